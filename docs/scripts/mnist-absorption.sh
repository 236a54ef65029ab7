#!/usr/bin/env bash
# The mnist runs of the instability forecast again, with the softmax-absorption probe that mnist now attaches beside the
# stability probe (docs/INSTABILITY.md, "The absorption reading on mnist, measured"): the arms that spike (spikeb: batch
# 500, lr 0.01, AdamW ε = 1e-12, β₂ = 0.95, no weight decay, 800 steps), the stable arms (lr 1e-3, 100 warm-up steps)
# and the first spike arms that did not spike (batch 128, lr 0.01–0.03, ε = 1e-12, 600 steps), with the flags of
# instability-forecast.sh. Resumable as that script: a run whose NAME.json exists is skipped, a killed run is run again.
# EVAL_EVERY (default 100, the forecast's) sets how often the absorbed share is read; ARMS (default "spikeb stable spike")
# which arms run; EXTRA adds flags to every run (EXTRA=--float64-softmax ARMS=spikeb: the counterfactual of the spikes).
#   OUT=/tmp/absorb-runs PHASESCOPE=./phasescope bash docs/scripts/mnist-absorption.sh
# Then: python3 docs/scripts/instability-forecast.py "$OUT" OUT_DIR; python3 docs/scripts/mnist-absorption.py "$OUT".
set -euo pipefail
OUT="${OUT:-/tmp/absorb-runs}"
PS="${PHASESCOPE:-./phasescope}"
SEEDS="${SEEDS:-1 2 3 4 5 6 7}"
SPIKE_SEEDS="${SPIKE_SEEDS:-1 2 3 4 5 6}"
EVAL_EVERY="${EVAL_EVERY:-100}"
ARMS="${ARMS:-spikeb stable spike}"
read -r -a extra <<< "${EXTRA:-}"
mkdir -p "$OUT"

mnist_common=(--hidden 64 --train-size 2000 --optimizer adamw --threads 1 --probe-every 5 --eval-every "$EVAL_EVERY"
  --stability-every 5 --stability-preconditioned-every 25 --stability-batch 64 --consolidation-every 0 --curvature-every 0 --spectral-stride 0 --no-report "${extra[@]}")

run() {   # NAME ARGS...
  local name="$1"; shift
  [ -f "$OUT/$name.json" ] && return 0
  rm -rf "${OUT:?}/$name"
  echo "$(date -u +%H:%M:%S) $name" >&2
  if nice -n 19 $PS "$@" --out "$OUT" --name "$name" --json > "$OUT/$name.tmp" 2> "$OUT/$name.err"; then
    mv "$OUT/$name.tmp" "$OUT/$name.json"
  else
    local rc=$?
    if [ "$rc" = 4 ]; then mv "$OUT/$name.tmp" "$OUT/$name.json"; else echo "  $name failed (exit $rc), see $OUT/$name.err" >&2; fi
  fi
}

arm() { [[ " $ARMS " == *" $1 "* ]]; }
if arm spikeb; then for seed in $SPIKE_SEEDS; do
  run "spikeb-mnist-s$seed" mnist "${mnist_common[@]}" --batch-size 500 --steps 800 --seed "$seed" --lr 0.01 --adam-eps 1e-12 --beta2 0.95 --weight-decay 0
done; fi
if arm stable; then for seed in $SEEDS; do
  run "stable-mnist-s$seed" mnist "${mnist_common[@]}" --batch-size 128 --steps 600 --seed "$seed" --lr 1e-3 --warmup 100
done; fi
if arm spike; then for seed in $SEEDS; do
  lr=$(echo "0.01 0.02 0.03 0.01 0.02 0.03 0.02" | cut -d' ' -f"$seed")
  run "spike-mnist-s$seed" mnist "${mnist_common[@]}" --batch-size 128 --steps 600 --seed "$seed" --lr "$lr" --adam-eps 1e-12 --weight-decay 0
done; fi
