#!/usr/bin/env bash
# Reproduces docs/GROKKING.md: modular addition (p = 97) and Dyck-1, seeds 42, 137, 2024,
# weight decay 1.0 and 0.0, with the monitor's cheap probes. One JSON line per run goes to
# $OUT/results.jsonl (default OUT=runs/baseline). TASKS="modular dyck" (default) picks the tasks.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-runs/baseline}"
TASKS="${TASKS:-modular dyck}"
mkdir -p "$OUT"
if [[ " $TASKS " == *" modular "* ]]; then
for seed in 42 137 2024; do
  for wd in 1.0 0.0; do
    ./phasescope grok --task modular --op add --p 97 --seed "$seed" --weight-decay "$wd" --steps 6000 \
      --out "$OUT" --name "mod-add-s$seed-wd$wd" --json >> "$OUT/results.jsonl"
  done
done
fi
if [[ " $TASKS " == *" dyck "* ]]; then
for seed in 42 137 2024; do
  for wd in 1.0 0.0; do
    ./phasescope grok --task dyck --seed "$seed" --weight-decay "$wd" --steps 3000 \
      --out "$OUT" --name "dyck-s$seed-wd$wd" --json >> "$OUT/results.jsonl"
  done
done
fi
