#!/usr/bin/env bash
# Reproduces docs/SPECTRAL.md's Test 7 tables (seed 001): modular arithmetic (p = 97; add, sub, mul, x²+y²;
# seeds 42, 137, 2024; weight decay 1.0 for STEPS_WD steps and 0.0 for STEPS_CONTROL steps) and Dyck-1
# (3 seeds × {1.0, 0.0}), with the spectral-edge probe at the authors' settings (attention projections;
# modular W = 10 every 100 steps, Dyck W = 3 every 200 steps) and weight spectra on every evaluation.
# One JSON line per run goes to $OUT/results.jsonl (default OUT=runs/spectral); a run already listed there is
# skipped, so a killed sweep continues where it stopped. Then: python3 docs/scripts/spectral-table.py $OUT
# PHASESCOPE (default ./phasescope) can point at a separately built copy of the tool.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-runs/spectral}"
STEPS_WD="${STEPS_WD:-4000}"
STEPS_CONTROL="${STEPS_CONTROL:-2500}"
DYCK_STEPS="${DYCK_STEPS:-3000}"
PHASESCOPE="${PHASESCOPE:-./phasescope}"
mkdir -p "$OUT"
touch "$OUT/results.jsonl"

run() {   # name, then grok arguments
  local name="$1"; shift
  if grep -q "\"run_dir\":\"$OUT/$name\"" "$OUT/results.jsonl"; then return; fi
  rm -rf "${OUT:?}/$name"
  $PHASESCOPE grok "$@" --spectral --weight-spectra --probe-every 50 --no-per-tensor --checkpoint-every 0 \
    --out "$OUT" --name "$name" --json >> "$OUT/results.jsonl"
}

for wd in 1.0 0.0; do
  steps=$([ "$wd" = "1.0" ] && echo "$STEPS_WD" || echo "$STEPS_CONTROL")
  for op in add sub mul x2_y2; do
    for seed in 42 137 2024; do
      run "mod-$op-s$seed-wd$wd" --task modular --op "$op" --p 97 --seed "$seed" --weight-decay "$wd" --steps "$steps" \
        --spectral-window 10 --spectral-stride 100
    done
  done
  for seed in 42 137 2024; do
    run "dyck-s$seed-wd$wd" --task dyck --seed "$seed" --weight-decay "$wd" --steps "$DYCK_STEPS" \
      --spectral-window 3 --spectral-stride 200
  done
done
