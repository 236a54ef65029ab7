#!/usr/bin/env bash
# Seed 001 §28 (Test 8, the loss decomposition) on the seed's object, scaled to this machine: the multi-task modular
# model (add, mul, x²+y² sharing one trunk; 2 layers, d_model 128, d_ff 304, 4 heads: 315,841 parameters at p = 97),
# AdamW, weight decay 1.0, seed 42, 12,000 steps, a checkpoint every 50 steps; then `phasescope decompose` at the
# timepoints and windows of docs/SPECTRAL.md "Test 8 on the seed's multi-task model".
# Resumable: run it again after an interruption; a finished run is kept, a killed one continues (grok --resume).
#
#   OUT=/tmp/test8-runs bash docs/scripts/test8.sh
#
# One thread, nice 19 (a shared 2-core machine): the run took about an hour here, the decomposition 3 minutes (two threads).
set -euo pipefail
out="${OUT:-runs/test8}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p "$out"
bin="$out/.bin"
if [ ! -f "$bin/PhaseScope.Cli.dll" ]; then
  "$root/phasescope" --help >/dev/null   # builds the CLI once
  cp -r "$root/src/PhaseScope.Cli/bin/Release/net10.0" "$bin"   # a rebuild cannot change a running job
fi
ps=(nice -n 19 dotnet "$bin/PhaseScope.Cli.dll")
name=mt3-s42
dir="$out/$name"
if [ ! -f "$dir.json" ]; then
  if [ -d "$dir" ] && ls "$dir"/checkpoints/*.safetensors >/dev/null 2>&1; then
    "${ps[@]}" grok --resume "$dir" --json >"$dir.json.part" 2>>"$out/log.txt"
  else
    rm -rf "$dir"
    "${ps[@]}" grok --task modular --op add,mul,x2_y2 --multitask --p 97 --seed 42 --weight-decay 1.0 \
      --layers 2 --d-model 128 --heads 4 --d-ff 304 --steps 12000 --eval-every 100 --checkpoint-every 50 \
      --cheap-only --no-report --threads "${THREADS:-1}" --out "$out" --name "$name" --json >"$dir.json.part" 2>>"$out/log.txt"
  fi
  mv "$dir.json.part" "$dir.json"
fi
# The run grokked (test accuracy ≥ 0.95) at step 6300, generalising from 4500: the timepoints 4000 … 8000 cover the
# transition as the seed's 8K–24K covered its own, at a quarter of its scale (s = 50 steps for the seed's 200).
[ -f "$out/decomposition/decomposition.json" ] || "${ps[@]}" decompose "$dir" --timepoints 4000,4500,5000,5500,6000,6500,7000,7500,8000 --stride 50 \
  --windows 10,20,30,40 --threads "${THREADS:-1}" --out "$out/decomposition"
