#!/usr/bin/env bash
# Issue 22: the sweeps behind docs/RESULTS.md's "How sure can PhaseScope be?" section, exactly as run on this
# project's 2-core machine (≈ 2 h with both sweeps side by side; resumable: run again after an interruption).
#
#   bash docs/scripts/results22.sh [OUT=runs/r22]
set -euo pipefail
out="${1:-runs/r22}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/phasescope" --help >/dev/null   # builds the CLI once
bin="$out/.bin"; mkdir -p "$out"
rm -rf "$bin"; cp -r "$root/src/PhaseScope.Cli/bin/Release/net10.0" "$bin"
ps=(dotnet "$bin/PhaseScope.Cli.dll")

# Every probe (sweep's verdict schedules), weight spectra, and the LLC every 250 steps.
"${ps[@]}" sweep --task modular --ops add,mul --seeds 42,137,2024 --weight-decay 1.0,0.0 --steps 3000 \
  --grok-args "--stop-after-grok 500 --curvature-batch 64 --threads 2 --no-report --weight-spectra --llc 250" --out "$out/sweep-llc"
# Seed 001 Test 7 as the seed ran it: its 1-layer ≈ 400K-parameter model, weight spectra on.
"${ps[@]}" sweep --task modular --ops add,mul --seeds 42,137 --weight-decay 1.0,0.0 --steps 3000 \
  --grok-args "--preset seed001-test7 --stop-after-grok 500 --curvature-batch 64 --threads 1 --no-report --weight-spectra" --out "$out/sweep-test7"

docs="$root/docs/results"
"${ps[@]}" verdict "$out/sweep-llc" --window 1000 --out "$docs/issue22-llc"
"${ps[@]}" verdict "$out/sweep-test7" --window 1000 --out "$docs/issue22-test7"
# The model grok ships (src/PhaseScope/Diagnosis/grok_predictor.json) is the one fitted on sweep-llc:
echo "Built-in forecast model candidate: $docs/issue22-llc/grok_predictor.json"
