#!/usr/bin/env bash
# Seed 001's Test 8 as an intervention (phasescope ablate) with norm-matched controls, 3 seeds: the modular reference
# setup (add, p = 97, weight decay 1, the 2-layer model of docs/SETUPS.md) before its grokking transition, t0 = 700,
# window W = 5 updates s = 100 steps apart, span 200 (SPAN=300 for the one-seed tables of docs/SPECTRAL.md), the top k = 3 directions against 2 random planes of the whole
# space and 2 norm-matched arms (k random directions of the window's span removing, step by step, the norm the top-3
# arm removed). The setup of each seed comes from a grok run stopped as soon as its settings are written (ablate
# retrains the setup without the monitor). Resumable: a finished seed is skipped. Tables go to docs/results/ablate-matched/.
#
#   OUT=/tmp/ablate-runs bash docs/scripts/ablate-matched.sh
set -euo pipefail
out="${OUT:-runs/ablate-matched}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
docs="${DOCS:-$root/docs/results/ablate-matched}"
mkdir -p "$out" "$docs"
bin="$out/.bin"
if [ ! -f "$bin/PhaseScope.Cli.dll" ]; then
  "$root/phasescope" --help >/dev/null   # builds the CLI once
  cp -r "$root/src/PhaseScope.Cli/bin/Release/net10.0" "$bin"   # a rebuild cannot change a running sweep
fi
ps=(nice -n 19 dotnet "$bin/PhaseScope.Cli.dll")
for seed in ${SEEDS:-42 137 2024}; do
  run="$out/mod-add-s$seed"
  [ -f "$docs/s$seed.json" ] && continue
  if [ ! -f "$run/settings.json" ]; then
    # only the setup is needed (ablate retrains it): the run is stopped (SIGTERM, a clean stop) once its settings exist
    rm -rf "$run"
    "${ps[@]}" grok --task modular --op add --p 97 --seed "$seed" --weight-decay 1 --steps 700 --cheap-only --threads 1 \
      --checkpoint-every 0 --no-report --out "$out" --name "mod-add-s$seed" >/dev/null 2>>"$out/log.txt" &
    pid=$!
    until [ -f "$run/settings.json" ] || ! kill -0 "$pid" 2>/dev/null; do sleep 1; done
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" || true
  fi
  rm -rf "$run/ablation-700" "$run/ablation-700.partial"
  "${ps[@]}" ablate "$run" --at 700 --span "${SPAN:-200}" --k 3 --random 2 --window 5 --stride 100 --threads 1 --json >"$docs/s$seed.json.part" 2>>"$out/log.txt"
  cp "$run/ablation-700/ablation.md" "$docs/s$seed.md"
  mv "$docs/s$seed.json.part" "$docs/s$seed.json"
  echo "$(date -u +%H:%M:%S) seed $seed done" >>"$out/log.txt"
done
