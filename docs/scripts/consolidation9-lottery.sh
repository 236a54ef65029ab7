#!/usr/bin/env bash
# Seed 003 §9.3, lottery tickets: iterative magnitude pruning with rewinding to θ₀ (Frankle & Carbin) on LeNet-300-100,
# 5,000 MNIST training images, SGD (lr 0.1, batch 64), 1,000 steps per run, C_α by k = 8 micro-batches every 50 steps.
# Sparsity per layer 50 → 80 → 95 %, each round pruning the previous ticket's final weights; at each sparsity three
# arms: ticket (mask + original θ₀), reinit (same mask, fresh θ₀) and random (random mask of the same sparsity, fresh θ₀).
# Scaled down from the issue's ≈ 2 h: one seed (42), 5,000 images, 3 sparsities, 1,000 steps, no transformer arm.
# Usage: PHASESCOPE="dotnet /tmp/phen-bin3/PhaseScope.Cli.dll" OUT=/tmp/phen-runs/lottery docs/scripts/consolidation9-lottery.sh
set -euo pipefail
PHASESCOPE=${PHASESCOPE:-./phasescope}
OUT=${OUT:-runs/consolidation9-lottery}
mkdir -p "$OUT"
run() {
  local name=$1; shift
  if [ -f "$OUT/$name/report.html" ]; then return; fi
  rm -rf "${OUT:?}/$name"
  nice -n 19 $PHASESCOPE mnist --hidden 300,100 --train-size 5000 --batch-size 64 --optimizer sgd --lr 0.1 --steps 1000 \
    --eval-every 100 --consolidation-every 50 --curvature-every 0 --spectral-stride 0 --threads 1 --out "$OUT" --name "$name" --json "$@" \
    > "$OUT/$name.json"
}
run dense-s0 --seed 42
parent=dense-s0
for s in 0.5 0.8 0.95; do
  run ticket-s$s --seed 42 --prune-from "$OUT/$parent" --sparsity $s --arm ticket
  run reinit-s$s --seed 42 --init-seed 43 --prune-from "$OUT/$parent" --sparsity $s --arm reinit
  run random-s$s --seed 42 --init-seed 43 --prune-from "$OUT/$parent" --sparsity $s --arm random
  parent=ticket-s$s
done
