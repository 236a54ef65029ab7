#!/usr/bin/env bash
# The counterfactual of docs/INSTABILITY.md: replay a finished or stopped grok run from its resume point at step START
# up to step UNTIL with the training loss's softmax and cross-entropy in float64 (--float64-softmax), everything else
# unchanged (same weights, AdamW state, batch order, thread count). With MODE=float32 the replay keeps float32: a control
# that must reproduce the original run.
#   usage: float64-replay.sh RUN_DIR START UNTIL OUT_DIR [float64|float32]
# Needs PHASESCOPE (default: ./phasescope). Writes OUT_DIR (a copy of RUN_DIR); RUN_DIR is not touched.
set -euo pipefail
run="$1"; start="$2"; until="$3"; out="$4"; mode="${5:-float64}"
bin="${PHASESCOPE:-./phasescope}"
[ -f "$run/checkpoints/step_$start.resume.json" ] || { echo "float64-replay: no resume point at step $start in $run/checkpoints" >&2; exit 2; }
[ -e "$out" ] && { echo "float64-replay: $out exists; choose another OUT_DIR" >&2; exit 2; }
cp -r "$run" "$out"
rm -f "$out/run.lock"
for f in "$out"/checkpoints/step_*.resume.json; do
  s="${f##*/step_}"; s="${s%.resume.json}"
  if [ "$s" -gt "$start" ]; then rm -f "$f"; fi
done
python3 - "$out/settings.json" "$until" "$mode" <<'PY'
import json, sys
path, until, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = json.load(open(path))
s["Trainer"]["Steps"] = until
if mode == "float64": s["Trainer"]["Float64Softmax"] = True
json.dump(s, open(path, "w"), indent=2)
PY
allow="steps"; [ "$mode" = float64 ] && allow="steps,float64_softmax"
exec $bin grok --resume "$out" --allow-settings-change "$allow" --json
