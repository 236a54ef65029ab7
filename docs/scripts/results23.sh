#!/usr/bin/env bash
# Issue 23: the byte-level GPT on the Brown corpus, AdamW against Muon, 3 seeds each, with seed 001's spectral probe
# (window 10 of updates every 10 steps over the attention projections) and validation loss every 20 steps.
# Usage: bash docs/scripts/results23.sh [OUT]   (≈ 8 minutes a run on 2 cores; PHASESCOPE=path/to/PhaseScope.Cli to reuse a build)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/r23/lm}
ps=${PHASESCOPE:-./phasescope}
mkdir -p "$out"
for seed in 42 137 2024; do
  for opt in adamw muon; do
    name="lm-$opt-s$seed"
    grep -q "\"status\": *\"completed\"" "$out/$name.json" 2>/dev/null && continue
    rm -rf "${out:?}/$name"
    $ps grok --task lm --steps 600 --eval-every 20 --cheap-only --spectral --spectral-window 10 --spectral-stride 10 \
      --optimizer "$opt" --seed "$seed" --out "$out" --name "$name" --no-report --json > "$out/$name.json"
  done
done
