#!/usr/bin/env bash
# The instability forecast's runs (docs/INSTABILITY.md, "The instability forecast, measured"): small runs on three tasks,
# half set up to spike (high learning rate, AdamW ε = 1e-12, β₂ = 0.999, no warm-up, no clipping), half to stay stable
# (lr 1e-3, ε = 1e-8, β₂ = 0.98, 100 warm-up steps, clipping at 1). the first mnist arms keep its AdamW at
# β₂ = 0.999 without clipping (mnist has no clipping option; `--beta2` came later and is used by the spikeb arms below), so there the arms differ in lr, ε and warm-up only. Resumable: a run whose NAME.json exists is skipped; a
# run directory without it (a killed run) is removed and run again. Then: python3 docs/scripts/instability-forecast.py.
# The lm and mnist spike arms above did not spike at this size; the arms after the first loop do (docs/INSTABILITY.md,
# "Spikes that happen"): mnist with β₂ = 0.95 and batch 500 (spikes once its loss reaches ≈ 1e-8), and lm on a 4 KB slice
# of the Brown corpus (brown-slice.py) at lr 0.03, batch 64, which it fits to ≈ 0.05 nats before it spikes; SPIKE_SEEDS seeds each.
#   OUT=/tmp/forecast-runs PHASESCOPE=./phasescope bash docs/scripts/instability-forecast.sh
set -euo pipefail
OUT="${OUT:-/tmp/forecast-runs}"
PS="${PHASESCOPE:-./phasescope}"
STEPS="${STEPS:-600}"
mkdir -p "$OUT"

spike=(--adam-eps 1e-12 --beta2 0.999 --clip 0)
stable=(--lr 1e-3 --warmup 100 --beta2 0.98 --clip 1)
grok_common=(--steps "$STEPS" --cheap-only --threads 1 --probe-every 5 --stability --stability-every 5 --stability-preconditioned-every 25
  --no-report --checkpoint-every 0 --eval-every 100)
modular=(grok --task modular --p 23 --layers 1 --d-model 64 --heads 2 --d-ff 128 --weight-decay 1)
lm=(grok --task lm --context 32 --layers 1 --d-model 64 --heads 2 --d-ff 128 --batch-size 16)
mnist_common=(--hidden 64 --train-size 2000 --optimizer adamw --threads 1 --probe-every 5
  --stability-every 5 --stability-preconditioned-every 25 --stability-batch 64 --consolidation-every 0 --curvature-every 0 --spectral-stride 0 --no-report)
mnist=(mnist "${mnist_common[@]}" --batch-size 128 --steps "$STEPS")

run() {   # NAME ARGS...
  local name="$1"; shift
  [ -f "$OUT/$name.json" ] && return 0
  rm -rf "${OUT:?}/$name"
  echo "$(date -u +%H:%M:%S) $name" >&2
  if nice -n 19 $PS "$@" --out "$OUT" --name "$name" --json > "$OUT/$name.tmp" 2> "$OUT/$name.err"; then
    mv "$OUT/$name.tmp" "$OUT/$name.json"
  else
    echo "  $name failed (exit $?), see $OUT/$name.err" >&2
  fi
}

for seed in 1 2 3 4 5 6 7; do
  lr=$(echo "0.01 0.02 0.03 0.01 0.02 0.03 0.02" | cut -d' ' -f"$seed")
  run "spike-mod-s$seed" "${modular[@]}" "${grok_common[@]}" --seed "$seed" --lr "$lr" "${spike[@]}"
  run "stable-mod-s$seed" "${modular[@]}" "${grok_common[@]}" --seed "$seed" "${stable[@]}"
  run "spike-mnist-s$seed" "${mnist[@]}" --seed "$seed" --lr "$lr" --adam-eps 1e-12 --weight-decay 0
  run "stable-mnist-s$seed" "${mnist[@]}" --seed "$seed" --lr 1e-3 --warmup 100
  run "spike-lm-s$seed" "${lm[@]}" "${grok_common[@]}" --seed "$seed" --lr "$lr" "${spike[@]}" --weight-decay 0.1
  run "stable-lm-s$seed" "${lm[@]}" "${grok_common[@]}" --seed "$seed" "${stable[@]}" --weight-decay 0.1
done

# Spike arms that do spike at this size (mnist: 800 steps, its spikes come at ≈ 570–580).
SPIKE_SEEDS="${SPIKE_SEEDS:-1 2 3 4 5 6}"
[ -f "$OUT/brown-slice/ca10" ] || python3 "$(dirname "$0")/brown-slice.py" "$OUT/brown-slice" 10 60
lm_slice=(grok --task lm --corpus "$OUT/brown-slice" --context 32 --layers 1 --d-model 64 --heads 2 --d-ff 128 --batch-size 64)
for seed in $SPIKE_SEEDS; do
  run "spikeb-mnist-s$seed" mnist "${mnist_common[@]}" --batch-size 500 --steps 800 --seed "$seed" --lr 0.01 --adam-eps 1e-12 --beta2 0.95 --weight-decay 0
  run "spikeb-lm-s$seed" "${lm_slice[@]}" "${grok_common[@]}" --seed "$seed" --lr 0.03 "${spike[@]}" --weight-decay 0.1
done
