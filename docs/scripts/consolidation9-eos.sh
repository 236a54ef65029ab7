#!/usr/bin/env bash
# Seed 003 §9.4, edge of stability: full-batch gradient descent (plain, no momentum) on LeNet-300-100 over a 1,000-image
# MNIST subset at three learning rates, and one mini-batch SGD contrast arm (batch 48, divisible by k = 8). λ_max by Lanczos every 25 steps on
# the whole subset, C_α by k = 8 micro-batches every 25 steps, the spectral window over every weight (stride 20, W = 10).
# Scaled down from the issue's ≈ 1 h: 1,000 images, 1,500 steps, seed 42 only. One run at a time, niced, one thread; a run
# that has its report is skipped (a killed one is started again: mnist runs have no resume point).
# Usage: PHASESCOPE="dotnet /tmp/phen-bin/PhaseScope.Cli.dll" OUT=/tmp/phen-runs/eos docs/scripts/consolidation9-eos.sh
set -euo pipefail
PHASESCOPE=${PHASESCOPE:-./phasescope}
OUT=${OUT:-runs/consolidation9-eos}
mkdir -p "$OUT"
run() {
  local name=$1; shift
  if [ -f "$OUT/$name/report.html" ]; then return; fi
  rm -rf "${OUT:?}/$name"
  nice -n 19 $PHASESCOPE mnist --hidden 300,100 --train-size 1000 --steps 1500 --seed 42 --optimizer sgd \
    --eval-every 50 --curvature-every 25 --consolidation-every 25 --spectral-stride 20 --threads 1 --out "$OUT" --name "$name" --json "$@" \
    > "$OUT/$name.json"
}
for lr in 0.04 0.1 0.2; do run gd-lr$lr --batch-size 0 --lr $lr; done
run sgd-b48-lr0.1 --batch-size 48 --lr 0.1
