#!/usr/bin/env bash
# Seed 000 Table 1 (split MNIST): strategies x seeds 42, 137, 2024, one JSON line per run in $OUT/forget.jsonl (resumable:
# a run already in the file is skipped). HEADS=single (default) runs finetune, freeze and ewc with one shared 10-way head;
# HEADS=multi runs them with one head per task; STRATEGIES overrides the list (ewc-core: EWC on task A's extremal core).
# Usage: [HEADS=single|multi] [STRATEGIES="finetune freeze ewc ewc-core"] docs/scripts/forget-table1.sh [OUT_DIR] [extra forget options...]
#        (PS=path/to/phasescope to use a prebuilt binary)
set -euo pipefail
out=${1:-runs/forget}; shift || true
ps=${PS:-./phasescope}
heads=${HEADS:-single}
strategies=${STRATEGIES:-finetune freeze ewc}
mkdir -p "$out"
for strategy in $strategies; do
  for seed in 42 137 2024; do
    if grep -q "\"strategy\":\"$strategy\",\"heads\":\"$heads\",\"seed\":$seed," "$out/forget.jsonl" 2>/dev/null; then continue; fi
    nice -n 19 "$ps" forget --strategy "$strategy" --heads "$heads" --seed "$seed" --json --out "$out/runs" "$@" >> "$out/forget.jsonl"
  done
done
python3 "$(dirname "$0")/forget-table.py" "$out/forget.jsonl"
