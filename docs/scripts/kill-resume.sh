#!/usr/bin/env bash
# Issue 8 reliability check: a grok run killed with SIGKILL at KILLS random points, each time continued with
# `phasescope grok --resume`, must end exactly as the uninterrupted run with the same seed: every stored metric and
# event equal (apart from the "resumed" events and the monitor's own timings) and the final checkpoint byte for byte.
# After every kill the store must open, pass SQLite's integrity check and hold every metric up to the resume point.
#
#   bash docs/scripts/kill-resume.sh [KILLS=20] [STEPS=3000] [WORK=/tmp/phasescope-kill-resume]
#
# Each kill comes at a random time (uniform in 0 to 5 s, about one checkpoint interval) after the (re)started process has
# written its first new resume point: before that there is nothing to resume from (a run killed before its first
# checkpoint is started again, and --resume says so).
#
# Results of a run on this project's machine are in docs/RELIABILITY.md.
set -euo pipefail
kills="${1:-20}"; steps="${2:-3000}"; work="${3:-/tmp/phasescope-kill-resume}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/phasescope" --help >/dev/null   # builds the CLI once
rm -rf "$work"; mkdir -p "$work"
cp -r "$root/src/PhaseScope.Cli/bin/Release/net10.0" "$work/bin"   # a private copy: rebuilding the repository meanwhile changes nothing
cli=(dotnet "$work/bin/PhaseScope.Cli.dll")
args=(grok --task modular --op add --p 97 --seed 42 --weight-decay 1.0 --steps "$steps" --checkpoint-every 100 --threads 2
      --moments --spectral --spectral-stride 20 --consolidation micro --consolidation-every 10 --no-report --json)

start=$(date +%s)
"${cli[@]}" "${args[@]}" --out "$work" --name reference > "$work/reference.json"
reference_seconds=$(( $(date +%s) - start ))
echo "uninterrupted run: ${reference_seconds} s"

run="$work/killed"
"${cli[@]}" "${args[@]}" --out "$work" --name killed > /dev/null 2>"$work/stderr.log" &
pid=$!
points() { ls "$run/checkpoints" 2>/dev/null | grep -c '\.resume\.json$' || true; }
for ((k = 1; k <= kills; k++)); do
  before=$(points)
  while [ "$(points)" -le "$before" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  sleep "$(python3 -c "import random; print(round(random.uniform(0, 5.0), 2))")"
  if ! kill -0 "$pid" 2>/dev/null; then echo "kill $k: the run finished before it could be killed"; break; fi
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  python3 "$root/docs/scripts/kill-resume-check.py" "$run" "$k"
  "${cli[@]}" grok --resume "$run" --json > "$work/resumed.json" 2>>"$work/stderr.log" &
  pid=$!
done
wait "$pid"
python3 "$root/docs/scripts/kill-resume-check.py" --compare "$work/reference" "$run" "$work/reference.json" "$work/resumed.json" "$steps"
echo "total wall time $(( $(date +%s) - start )) s"
