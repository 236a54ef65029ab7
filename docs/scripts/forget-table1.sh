#!/usr/bin/env bash
# Seed 000 Table 1 (split MNIST): 3 strategies x 3 seeds, one JSON line per run in $OUT/forget.jsonl.
# Usage: docs/scripts/forget-table1.sh [OUT_DIR] [extra forget options...]   (PS=path/to/phasescope to use a prebuilt binary)
set -euo pipefail
out=${1:-runs/forget}; shift || true
ps=${PS:-./phasescope}
mkdir -p "$out"
for strategy in finetune freeze ewc; do
  for seed in 42 137 2024; do
    if grep -q "\"strategy\":\"$strategy\",\"seed\":$seed," "$out/forget.jsonl" 2>/dev/null; then continue; fi
    "$ps" forget --strategy "$strategy" --seed "$seed" --json --out "$out/runs" "$@" >> "$out/forget.jsonl"
  done
done
python3 "$(dirname "$0")/forget-table.py" "$out/forget.jsonl"
