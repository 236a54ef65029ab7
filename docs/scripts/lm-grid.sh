#!/usr/bin/env bash
# Seed 001's language-model Tests 1–6 on the `lm` task (the 875,520-parameter byte-level GPT on the Brown corpus),
# AdamW against Muon compared at matched validation loss, with Muon's learning rate tuned first.
#
#   1. tune:  Muon at --muon-lr 0.007, 0.02 (the default), 0.06 and 0.15 (added when 0.06 came out best, so that the
#             best lies inside the grid), seed 42, TUNE_STEPS steps (default 100); the rate with the lowest validation
#             loss at the end (mean of the last three evaluations) is used in step 2.
#   2. grid:  AdamW (--lr 1e-3, the task's default, not tuned) for ADAMW_STEPS (default 500) and Muon at the tuned
#             rate for MUON_STEPS (default 250: Muon reaches AdamW's final loss in about half the steps, and the matched
#             levels must lie below both optimizers' loss at their first full window), for each seed in SEEDS;
#             validation every 10 steps on 64 windows of each split (--eval-windows 64: a quarter of the task's 256, so
#             that evaluating every 10 steps costs ≈ 20 % of the run, not ≈ 100 %); seed 001's spectral probe (window
#             W = 10 of updates every s = 5 steps over the attention projections, so the first window is full at step
#             50: tuned Muon is below AdamW's final loss by step 100, where W = 10 × s = 10 would first read); a resume
#             point every 100 steps.
#   3. long:  one AdamW run continued to LONG_STEPS (0: none) for §33's three phases.
#   4. tables: docs/scripts/lm-grid.py (matched-loss k*, Test 4 detrended with a permutation baseline, phases) and
#             `phasescope edge-tests` over the grid runs, into docs/results/lm-grid/.
#
# Usage: SEEDS="42 137" ADAMW_STEPS=500 MUON_STEPS=250 TUNE_STEPS=100 LONG_STEPS=0 bash docs/scripts/lm-grid.sh [OUT]
# (The lm task trains at ≈ 3 steps/s on a quiet 2-core machine, docs/COMMANDS.md; at nice 19 on the loaded machine
# these runs made ≈ 0.3–0.5 steps/s, and one evaluation of 256 windows per split took ≈ 20 s.)
# Resumable: a completed run is skipped, an interrupted one continues from its last resume point (`grok --resume`).
# One run at a time, one thread, at the lowest priority. PHASESCOPE=path/to/PhaseScope.Cli.dll reuses a build.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/lm-grid}
seeds=${SEEDS:-42 137}
long=${LONG_STEPS:-0}
adamw_steps=${ADAMW_STEPS:-500}
muon_steps=${MUON_STEPS:-250}
tune_steps=${TUNE_STEPS:-100}
results=docs/results/lm-grid
if [ -n "${PHASESCOPE:-}" ]; then ps=(nice -n 19 dotnet "$PHASESCOPE"); else ps=(nice -n 19 ./phasescope); fi
mkdir -p "$out" "$results"

done_run() { grep -q '"status": *"completed"' "$out/$1.json" 2>/dev/null; }

# run NAME ARGS...: a fresh run, or the continuation of an interrupted one.
run() {
  local name=$1; shift
  done_run "$name" && return 0
  if ls "$out/$name"/checkpoints/*.resume.json > /dev/null 2>&1; then
    echo "lm-grid: resuming $name" >&2
    "${ps[@]}" grok --resume "$out/$name" --threads 1 --json > "$out/$name.json"
  else
    rm -rf "${out:?}/$name"
    echo "lm-grid: starting $name" >&2
    "${ps[@]}" grok --task lm --threads 1 --out "$out" --name "$name" --no-report --json "$@" > "$out/$name.json"
  fi
}

# 1. Muon learning-rate grid.
for lr in 0.007 0.02 0.06 0.15; do
  run "tune-muon-lr$lr" --seed 42 --steps "$tune_steps" --eval-every 25 --cheap-only --optimizer muon --muon-lr "$lr" --checkpoint-every 50
done
python3 docs/scripts/lm-grid.py tune "$out" --markdown "$results/tune.md"
muon_lr=$(python3 docs/scripts/lm-grid.py tune "$out" --best)

# 2. The grid: AdamW and tuned Muon, seed by seed (so a stopped grid has whole pairs).
spectral=(--eval-every 10 --eval-windows 64 --cheap-only --spectral --spectral-window 10 --spectral-stride 5 --checkpoint-every 100)
for seed in $seeds; do
  run "adamw-s$seed" --steps "$adamw_steps" "${spectral[@]}" --seed "$seed"
  run "muon-s$seed" --steps "$muon_steps" "${spectral[@]}" --seed "$seed" --optimizer muon --muon-lr "$muon_lr"
done

# 3. The long run: AdamW seed 42 to LONG_STEPS, as its own run.
if [ "$long" -gt 0 ]; then
  run "long-adamw-s42" --seed 42 --steps "$long" --eval-every 10 --eval-windows 64 --cheap-only --spectral --spectral-window 10 --spectral-stride 5 --checkpoint-every 100
fi

# 4. Tables.
grid=()
for seed in $seeds; do for opt in adamw muon; do done_run "$opt-s$seed" && grid+=("$out/$opt-s$seed"); done; done
extra=(); done_run long-adamw-s42 && extra=("$out/long-adamw-s42")
python3 docs/scripts/lm-grid.py tables "${grid[@]}" "${extra[@]}" --out "$results"
"${ps[@]}" edge-tests "${grid[@]}" --markdown "$results/edge-tests.md" > /dev/null
