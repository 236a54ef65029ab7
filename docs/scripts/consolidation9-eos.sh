#!/usr/bin/env bash
# Seed 003 §9.4, edge of stability: full-batch gradient descent (plain, no momentum) on LeNet-300-100 over a 1,000-image
# MNIST subset at three learning rates, one mini-batch SGD contrast arm (batch 48, divisible by k = 8), and full-batch
# AdamW (β = 0.9, 0.999, no weight decay) at ADAMW_LRS with the stability probe every 5 steps on the whole subset:
# λ_max(P⁻¹H) with AdamW's preconditioner P = diag(√v̂ + ε) against its threshold c₁(2 + 2β₁)/((1 − β₁)η)
# (docs/INSTABILITY.md) and the directional sharpness (AdamW fits the subset within ~100 steps, so the rise is early).
# Every run: λ_max(H) by Lanczos every 25 steps on the whole subset, C_α by k = 8 micro-batches every 25 steps, the
# spectral window over every weight (stride 20, W = 10).
# Scaled down from the issue's ≈ 1 h: 1,000 images, 1,500 steps, seed 42 only. One run at a time, niced, one thread; a run
# that has its report is skipped (a killed one is started again: mnist runs have no resume point); a diverged run
# (exit 4) is a result and is kept.
# Usage: PHASESCOPE="dotnet /tmp/seed003-bin/PhaseScope.Cli.dll" OUT=/tmp/seed003-runs/eos docs/scripts/consolidation9-eos.sh
set -euo pipefail
PHASESCOPE=${PHASESCOPE:-./phasescope}
OUT=${OUT:-runs/consolidation9-eos}
ADAMW_LRS=${ADAMW_LRS:-0.0001 0.001 0.01}
mkdir -p "$OUT"
run() {
  local name=$1; shift
  if [ -f "$OUT/$name/report.html" ]; then return; fi
  rm -rf "${OUT:?}/$name"
  local rc=0
  nice -n 19 $PHASESCOPE mnist --hidden 300,100 --train-size 1000 --steps 1500 --seed 42 \
    --eval-every 50 --curvature-every 25 --consolidation-every 25 --spectral-stride 20 --threads 1 --out "$OUT" --name "$name" --json "$@" \
    > "$OUT/$name.json" || rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 4 ]; then exit $rc; fi
}
for lr in 0.04 0.1 0.2; do run gd-lr$lr --optimizer sgd --batch-size 0 --lr $lr; done
run sgd-b48-lr0.1 --optimizer sgd --batch-size 48 --lr 0.1
for lr in $ADAMW_LRS; do
  run adamw-lr$lr --optimizer adamw --batch-size 0 --lr $lr --stability-every 5 --stability-preconditioned-every 5 --stability-batch 1000
done
