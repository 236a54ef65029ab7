#!/usr/bin/env bash
# Reproduces docs/CONSOLIDATION.md: modular addition (p = 97), seeds 42, 137, 2024, weight decay 1.0
# and 0.0, with seed 003's consolidation probe (micro-batches, k = 8, every 10 steps) and curvature
# probe (Lanczos λ_max every 100 steps). One JSON line per run goes to $OUT/results.jsonl (default
# OUT=runs/consolidation); then docs/scripts/consolidation-table.py prints the table.
# PHASESCOPE (default ./phasescope) can point at a separately built copy of the tool.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-runs/consolidation}"
STEPS="${STEPS:-3000}"
PHASESCOPE="${PHASESCOPE:-./phasescope}"
mkdir -p "$OUT"
for wd in 1.0 0.0; do
  for seed in 42 137 2024; do
    $PHASESCOPE grok --task modular --op add --p 97 --seed "$seed" --weight-decay "$wd" --steps "$STEPS" \
      --consolidation micro --consolidation-samples 8 --consolidation-every 10 --curvature --curvature-every 100 \
      --checkpoint-every 0 --no-per-tensor --out "$OUT" --name "mod-add-s$seed-wd$wd" --json >> "$OUT/results.jsonl"
  done
done
