#!/usr/bin/env bash
# Seed 003 §9.1/§6.2: the trajectory's effective dimension across grokking. The README's grok run (modular addition
# mod 97, weight decay 1.0), scaled down: 2,000 steps for seed 42 and 1,700 for seeds 137 and 2024 instead of 6,000 (they
# grok at 1,500–1,600), only the cheap probes plus
# the spectral window (every tensor, stride 20, W = 10) and C_α by k = 8 micro-batches every 20 steps; curvature,
# moments, weight spectra off. Seeds 42, 137, 2024. One run at a time, niced, one thread; a killed run is resumed.
# Usage: PHASESCOPE="dotnet /tmp/phen-bin/PhaseScope.Cli.dll" OUT=/tmp/phen-runs/dim docs/scripts/consolidation9-dimension.sh
set -euo pipefail
PHASESCOPE=${PHASESCOPE:-./phasescope}
OUT=${OUT:-runs/consolidation9-dimension}
mkdir -p "$OUT"
for seed in 42 137 2024; do
  name=s$seed
  if [ -f "$OUT/$name/report.html" ]; then continue; fi   # written when a run completes
  if [ -d "$OUT/$name" ]; then
    nice -n 19 $PHASESCOPE grok --resume "$OUT/$name" --threads 1
  else
    nice -n 19 $PHASESCOPE grok --task modular --op add --p 97 --seed $seed --weight-decay 1.0 --steps $([ $seed = 42 ] && echo 2000 || echo 1700) \
      --cheap-only --spectral --spectral-tensors all --spectral-stride 20 --spectral-window 10 \
      --consolidation micro --consolidation-every 20 --eval-every 50 --checkpoint-every 500 --no-per-tensor \
      --threads 1 --out "$OUT" --name $name
  fi
done
