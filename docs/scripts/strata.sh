#!/usr/bin/env bash
# The weight-decay × grokking strata behind docs/RESULTS.md's "Breaking the weight-decay confound": modular runs with
# and without weight decay that do and do not grok, every probe at the sweep's verdict schedules, then the verdict
# pooled and within each weight-decay stratum (leave one operation out is the verdict's "leave one task out" here,
# every run being modular). Resumable: run again after an interruption; finished runs are skipped, a run killed
# before its first resume point starts again, a later one continues (grok --resume).
#
#   OUT=/tmp/science-runs/strata bash docs/scripts/strata.sh          # runs, in the order below, then the verdicts
#   OUT=... ONLY_VERDICT=1 bash docs/scripts/strata.sh                # the verdicts over whatever finished
#   OUT=... LIMIT=4 NO_VERDICT=1 bash docs/scripts/strata.sh          # at most 4 more runs, no verdicts
#
# Scaled to a shared 2-core machine (one thread, nice 19): p = 97 and the reference 2-layer model as in the sweeps
# of docs/RESULTS.md, but a budget of 600 steps for the runs meant not to grok and at most 2000 for the others
# (stopped 100 steps after the grok step), and the spectral window W = 5 updates 50 steps apart (first full window
# at step 250; the sweeps used W = 10, 100 apart, whose first window at step 1000 would come after most grok steps).
# The first 15 runs are the first round; the 8 after them were planned to fill every stratum to 6, in an order that
# keeps the strata balanced wherever the sweep stops (they gave 6, 6, 4 and 7: of the two add runs without weight decay
# at train fraction 0.95, seed 137 groks at step 600 and seed 42 plateaus at test accuracy 0.89 for 2000 steps); the last
# 4 fill the stratum without weight decay that groks with other operations at train fraction 0.95 (all 4 grok: 6, 6, 8, 7).
set -euo pipefail
out="${OUT:-runs/strata}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p "$out"
bin="$out/.bin"
if [ ! -f "$bin/PhaseScope.Cli.dll" ]; then
  "$root/phasescope" --help >/dev/null   # builds the CLI once
  cp -r "$root/src/PhaseScope.Cli/bin/Release/net10.0" "$bin"   # a rebuild cannot change a running sweep
fi
ps=(nice -n 19 dotnet "$bin/PhaseScope.Cli.dll")
# The sweep's probes and verdict schedules (SweepCommand.ProbeArgs, VerdictSchedules), λ_max on 64 examples.
common=(--task modular --p 97 --moments --spectral --consolidation micro --curvature --consolidation-every 10 --curvature-every 100
  --curvature-batch 64 --no-per-tensor --probe-every 50 --spectral-window 5 --spectral-stride 50 --checkpoint-every 500 --threads "${THREADS:-1}" --no-report)

# name | stratum (wd/nowd × grok/nogrok, as planned; the verdict reads what happened) | arguments
plan=(
  "x2-s42-wd0|nowd-grok|--op x2_y2 --seed 42 --weight-decay 0 --steps 2000 --stop-after-grok 100"
  "x2-s42-wd1|wd-grok|--op x2_y2 --seed 42 --weight-decay 1 --steps 2000 --stop-after-grok 100"
  "add-s42-wd1-tf03|wd-nogrok|--op add --seed 42 --weight-decay 1 --train-fraction 0.3 --steps 600"
  "add-s42-wd0|nowd-nogrok|--op add --seed 42 --weight-decay 0 --steps 600"
  "x2-s137-wd1|wd-grok|--op x2_y2 --seed 137 --weight-decay 1 --steps 2000 --stop-after-grok 100"
  "mul-s42-wd1-tf03|wd-nogrok|--op mul --seed 42 --weight-decay 1 --train-fraction 0.3 --steps 600"
  "mul-s42-wd0|nowd-nogrok|--op mul --seed 42 --weight-decay 0 --steps 600"
  "add-s42-wd1|wd-grok|--op add --seed 42 --weight-decay 1 --steps 2000 --stop-after-grok 100"
  "x2-s137-wd0|nowd-grok|--op x2_y2 --seed 137 --weight-decay 0 --steps 2000 --stop-after-grok 100"
  "x2-s42-wd1-tf02|wd-nogrok|--op x2_y2 --seed 42 --weight-decay 1 --train-fraction 0.2 --steps 600"
  "x2-s42-wd0-tf02|nowd-nogrok|--op x2_y2 --seed 42 --weight-decay 0 --train-fraction 0.2 --steps 600"
  "x2-s2024-wd0|nowd-grok|--op x2_y2 --seed 2024 --weight-decay 0 --steps 2000 --stop-after-grok 100"
  "sub-s42-wd1-tf03|wd-nogrok|--op sub --seed 42 --weight-decay 1 --train-fraction 0.3 --steps 600"
  "sub-s42-wd0|nowd-nogrok|--op sub --seed 42 --weight-decay 0 --steps 600"
  "x2-s2024-wd1|wd-grok|--op x2_y2 --seed 2024 --weight-decay 1 --steps 2000 --stop-after-grok 100"
  "x2-s7-wd1|wd-grok|--op x2_y2 --seed 7 --weight-decay 1 --steps 2000 --stop-after-grok 100"
  "add-s137-wd1-tf03|wd-nogrok|--op add --seed 137 --weight-decay 1 --train-fraction 0.3 --steps 600"
  "add-s137-wd0|nowd-nogrok|--op add --seed 137 --weight-decay 0 --steps 600"
  "add-s42-wd0-tf095|nowd-grok|--op add --seed 42 --weight-decay 0 --train-fraction 0.95 --steps 2000 --stop-after-grok 100"
  "x2-s8-wd1|wd-grok|--op x2_y2 --seed 8 --weight-decay 1 --steps 2000 --stop-after-grok 100"
  "mul-s137-wd1-tf03|wd-nogrok|--op mul --seed 137 --weight-decay 1 --train-fraction 0.3 --steps 600"
  "mul-s137-wd0|nowd-nogrok|--op mul --seed 137 --weight-decay 0 --steps 600"
  "add-s137-wd0-tf095|nowd-grok|--op add --seed 137 --weight-decay 0 --train-fraction 0.95 --steps 2000 --stop-after-grok 100"
  "sub-s42-wd0-tf095|nowd-grok|--op sub --seed 42 --weight-decay 0 --train-fraction 0.95 --steps 3000 --stop-after-grok 100"
  "mul-s42-wd0-tf095|nowd-grok|--op mul --seed 42 --weight-decay 0 --train-fraction 0.95 --steps 3000 --stop-after-grok 100"
  "add-s2024-wd0-tf095|nowd-grok|--op add --seed 2024 --weight-decay 0 --train-fraction 0.95 --steps 3000 --stop-after-grok 100"
  "sub-s137-wd0-tf095|nowd-grok|--op sub --seed 137 --weight-decay 0 --train-fraction 0.95 --steps 3000 --stop-after-grok 100"
)

if [ -z "${ONLY_VERDICT:-}" ]; then
  started=0
  for entry in "${plan[@]}"; do
    IFS='|' read -r name stratum args <<<"$entry"
    dir="$out/$name"
    [ -f "$dir.json" ] && continue                                      # finished
    [ -n "${LIMIT:-}" ] && [ "$started" -ge "$LIMIT" ] && break         # LIMIT=N: at most N runs this time
    started=$((started + 1))
    if [ -d "$dir" ] && ls "$dir"/checkpoints/*.safetensors >/dev/null 2>&1; then
      "${ps[@]}" grok --resume "$dir" --json >"$dir.json.part" 2>>"$out/log.txt" || { rm -f "$dir.json.part"; continue; }
    else
      rm -rf "$dir"
      # shellcheck disable=SC2086
      "${ps[@]}" grok "${common[@]}" $args --out "$out" --name "$name" --json >"$dir.json.part" 2>>"$out/log.txt" || { rm -f "$dir.json.part"; continue; }
    fi
    mv "$dir.json.part" "$dir.json"
    echo "$(date -u +%H:%M:%S) $name ($stratum) done" >>"$out/log.txt"
  done
fi

# The verdicts: pooled, and within each weight-decay stratum (grokking against not, weight decay held fixed).
[ -n "${NO_VERDICT:-}" ] && exit 0
docs="${DOCS:-$root/docs/results/strata}"
finished=(); wd=(); nowd=()
for entry in "${plan[@]}"; do
  IFS='|' read -r name _ _ <<<"$entry"
  [ -f "$out/$name.json" ] || continue
  finished+=("$out/$name")
  case "$name" in *-wd1*) wd+=("$out/$name") ;; *) nowd+=("$out/$name") ;; esac
done
"${ps[@]}" verdict "${finished[@]}" --window 1000 --out "$docs/pooled"
"${ps[@]}" verdict "${wd[@]}" --window 1000 --out "$docs/wd"
"${ps[@]}" verdict "${nowd[@]}" --window 1000 --out "$docs/nowd"
