#!/usr/bin/env bash
# Seed 003 §9.3, lottery tickets: iterative magnitude pruning with rewinding to θ₀ (Frankle & Carbin) on LeNet-300-100,
# 5,000 MNIST training images, SGD (lr 0.1, batch 64), 1,000 steps per run, C_α by k = 8 micro-batches every 50 steps.
# Sparsity per layer 50 → 80 → 95 %, each round pruning the previous ticket's final weights; at each sparsity three
# arms: ticket (mask + original θ₀), reinit (same mask, fresh θ₀) and random (random mask of the same sparsity, fresh θ₀).
# ONE_SHOT sparsities (default 0.2) are one round from the dense run, outside the chain, with the same three arms.
# Seeds (SEEDS, default 42 137 2024): data, batch order and θ₀ from the seed; the fresh θ₀ and random masks from seed + 1.
# Runs go to OUT/seedN/NAME. Scaled down from the issue's ≈ 2 h: 5,000 images, 4 sparsities, 1,000 steps, no transformer arm.
# Resumable: a run that has its report is skipped (a killed one is started again: mnist runs have no resume point).
# Usage: PHASESCOPE="dotnet /tmp/seed003-bin/PhaseScope.Cli.dll" OUT=/tmp/seed003-runs/lottery docs/scripts/consolidation9-lottery.sh
set -euo pipefail
PHASESCOPE=${PHASESCOPE:-./phasescope}
OUT=${OUT:-runs/consolidation9-lottery}
SEEDS=${SEEDS:-42 137 2024}
ONE_SHOT=${ONE_SHOT:-0.2}
run() {
  local dir=$1 name=$2; shift 2
  mkdir -p "$dir"
  if [ -f "$dir/$name/report.html" ]; then return; fi
  rm -rf "${dir:?}/$name"
  nice -n 19 $PHASESCOPE mnist --hidden 300,100 --train-size 5000 --batch-size 64 --optimizer sgd --lr 0.1 --steps 1000 \
    --eval-every 100 --consolidation-every 50 --curvature-every 0 --spectral-stride 0 --threads 1 --out "$dir" --name "$name" --json "$@" \
    > "$dir/$name.json"
}
arms() {   # DIR SEED SPARSITY PARENT
  local dir=$1 seed=$2 s=$3 parent=$4
  run "$dir" ticket-s$s --seed $seed --prune-from "$dir/$parent" --sparsity $s --arm ticket
  run "$dir" reinit-s$s --seed $seed --init-seed $((seed + 1)) --prune-from "$dir/$parent" --sparsity $s --arm reinit
  run "$dir" random-s$s --seed $seed --init-seed $((seed + 1)) --prune-from "$dir/$parent" --sparsity $s --arm random
}
for seed in $SEEDS; do
  dir=$OUT/seed$seed
  run "$dir" dense-s0 --seed $seed
  parent=dense-s0
  for s in 0.5 0.8 0.95; do
    arms "$dir" $seed $s $parent
    parent=ticket-s$s
  done
done
for seed in $SEEDS; do
  for s in $ONE_SHOT; do arms "$OUT/seed$seed" $seed $s dense-s0; done
done
