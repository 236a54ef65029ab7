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

# Test 8 (ablate): the modular reference run's setup (add, p = 97, seed 42, wd 1, grokking near step 1500) at t₀ = 1200,
# and at t₀ = 700 (memorised, before the transition; window 5 × 100 steps), and the tiny LM (AdamW, seed 42) at t₀ = 200 (span 60, k = 2, one random and one matched arm: CPU time); settings come from a one-step grok run of each setup.
ab=${out%/*}/ablate
mkdir -p "$ab"
[ -d "$ab/mod-add" ] || $ps grok --task modular --op add --seed 42 --steps 1 --cheap-only --no-report --out "$ab" --name mod-add --json > /dev/null
[ -f "$ab/mod-add/ablation-1200/ablation.md" ] || $ps ablate "$ab/mod-add" --at 1200 --span 300 --k 3 --random 3 --window 10 --stride 100
[ -f "$ab/mod-add/ablation-700/ablation.md" ] || $ps ablate "$ab/mod-add" --at 700 --span 300 --k 3 --random 2 --window 5 --stride 100
[ -d "$ab/lm-adamw" ] || $ps grok --task lm --seed 42 --steps 1 --cheap-only --no-report --out "$ab" --name lm-adamw --json > /dev/null
[ -f "$ab/lm-adamw/ablation-200/ablation.md" ] || $ps ablate "$ab/lm-adamw" --at 200 --span 60 --k 2 --random 1 --window 10 --stride 10

# The monitor's overhead on the tiny LM: every family on (the default) against the cheap probes only, 100 steps each.
for mode in all cheap; do
  [ -f "${out%/*}/overhead-$mode.json" ] && continue
  $ps grok --task lm --steps 100 --eval-every 50 $([ $mode = cheap ] && echo --cheap-only) --no-report --out "${out%/*}" --name "overhead-$mode" --json > "${out%/*}/overhead-$mode.json"
done

# Muon's cost per step against AdamW's on the tiny LM (cheap probes only, 100 steps each, one after the other).
for opt in adamw muon; do
  [ -f "${out%/*}/speed-$opt.json" ] && continue
  $ps grok --task lm --steps 100 --eval-every 100 --cheap-only --optimizer $opt --no-report --out "${out%/*}" --name "speed-$opt" --json > "${out%/*}/speed-$opt.json"
done

# Test 3 (Krylov bound): the tiny LM with the curvature probe's cold Lanczos (30 iterations, top Ritz values recorded)
# every 50 steps beside the spectral window, AdamW and Muon, seed 42, 300 steps.
for opt in adamw muon; do
  [ -f "${out%/*}/krylov-$opt.json" ] && continue
  $ps grok --task lm --steps 300 --eval-every 20 --cheap-only --spectral --spectral-window 10 --spectral-stride 10 \
    --curvature --curvature-every 50 --lanczos-iterations 30 --lanczos-tolerance 1e-9 --optimizer $opt --seed 42 \
    --out "${out%/*}" --name "krylov-$opt" --no-report --json > "${out%/*}/krylov-$opt.json"
done

# The tables of docs/SPECTRAL.md (issue 23 section).
./phasescope edge-tests "$out"/lm-*/ --markdown docs/results/issue23-edge-tests.md
cp "$ab/mod-add/ablation-700/ablation.md" docs/results/issue23-ablate-mod-700.md
cp "$ab/mod-add/ablation-1200/ablation.md" docs/results/issue23-ablate-mod-1200.md
cp "$ab/lm-adamw/ablation-200/ablation.md" docs/results/issue23-ablate-lm-200.md
./phasescope edge-tests "${out%/*}/krylov-adamw" "${out%/*}/krylov-muon" --markdown docs/results/issue23-krylov.md
