#!/usr/bin/env bash
# Seed 003 §9.2, double descent: a width sweep of a one-hidden-layer MLP (784-W-10) on 4,000 MNIST training images with
# 20 % of the labels changed to another class, AdamW (lr 1e-3, no weight decay), batch 128, 1,500 steps (48 epochs), C_α by
# k = 8 micro-batches every 50 steps. The interpolation threshold is near P ≈ N·K = 40,000 parameters (W ≈ 50).
# Seeds (SEEDS, default 42 137 2024): the subset, the noisy labels, the batch order and θ₀; runs go to OUT/seedN/wW.
# Scaled down from the issue's ≈ 1.5 h: 8 widths, 48 epochs (Nakkiran et al. train for thousands).
# Resumable: a run that has its report is skipped.
# Usage: PHASESCOPE="dotnet /tmp/seed003-bin/PhaseScope.Cli.dll" OUT=/tmp/seed003-runs/dd docs/scripts/consolidation9-double-descent.sh
set -euo pipefail
PHASESCOPE=${PHASESCOPE:-./phasescope}
OUT=${OUT:-runs/consolidation9-double-descent}
SEEDS=${SEEDS:-42 137 2024}
for seed in $SEEDS; do
  dir=$OUT/seed$seed
  mkdir -p "$dir"
  for w in 2 4 8 16 32 64 128 512; do
    name=w$w
    if [ -f "$dir/$name/report.html" ]; then continue; fi
    rm -rf "${dir:?}/$name"
    nice -n 19 $PHASESCOPE mnist --hidden $w --train-size 4000 --label-noise 0.2 --batch-size 128 --optimizer adamw --lr 0.001 --steps 1500 \
      --seed $seed --eval-every 100 --consolidation-every 50 --curvature-every 0 --spectral-stride 0 --threads 1 --out "$dir" --name $name --json \
      > "$dir/$name.json"
  done
done
