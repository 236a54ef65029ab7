#!/usr/bin/env bash
# The counterfactual of docs/INSTABILITY.md: replay a finished or stopped grok run from its resume point at step START
# up to step UNTIL with the training loss's softmax and cross-entropy in float64 (--float64-softmax), everything else
# unchanged (same weights, AdamW state, batch order, thread count). With MODE=float32 the replay keeps float32: a control
# that must reproduce the original run.
#   usage: float64-replay.sh RUN_DIR START UNTIL OUT_DIR [float64|float32]
# Needs PHASESCOPE (default: ./phasescope); EXTRA_ALLOW names config keys an earlier resume changed. Writes OUT_DIR (a copy of RUN_DIR); RUN_DIR is not touched.
set -euo pipefail
run="$1"; start="$2"; until="$3"; out="$4"; mode="${5:-float64}"
bin="${PHASESCOPE:-./phasescope}"
point="$(printf 'step_%07d.resume.json' "$start")"
[ -f "$run/checkpoints/$point" ] || { echo "float64-replay: no resume point at step $start in $run/checkpoints ($point)" >&2; exit 2; }
[ -e "$out" ] && { echo "float64-replay: $out exists; choose another OUT_DIR" >&2; exit 2; }
cp -r "$run" "$out"
rm -f "$out/run.lock"
for f in "$out"/checkpoints/step_*.resume.json; do
  s="${f##*/step_}"; s="${s%.resume.json}"
  if [ "$((10#$s))" -gt "$start" ]; then rm -f "$f"; fi
done
python3 - "$out" "$until" "$mode" <<'PY'
import json, sqlite3, sys
out, until, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = json.load(open(f"{out}/settings.json"))
trainer = s["trainer"] if s.get("schema") == 2 else s["Trainer"]   # settings.json schema 2 nests by section (docs/RUNS.md)
trainer["Steps"] = until
if mode == "float64": trainer["Float64Softmax"] = True
json.dump(s, open(f"{out}/settings.json", "w"), indent=2)
# A finished run cannot be resumed: the copy is marked interrupted so that --resume continues it from the point.
db = sqlite3.connect(f"{out}/run.db")
db.execute("update runs set status = 'interrupted', finished_utc = NULL, summary_json = NULL")
db.commit()
PY
allow=""; [ "$until" != "$(python3 -c 'import json,sys; s = json.load(open(sys.argv[1])); print((s["trainer"] if s.get("schema") == 2 else s["Trainer"])["Steps"])' "$run/settings.json")" ] && allow="steps"
[ "$mode" = float64 ] && allow="${allow:+$allow,}float64_softmax"
# Keys an earlier resume already changed (e.g. stability_every when the run was resumed with --stability): EXTRA_ALLOW.
[ -n "${EXTRA_ALLOW:-}" ] && allow="${allow:+$allow,}$EXTRA_ALLOW"
exec $bin grok --resume "$out" ${allow:+--allow-settings-change "$allow"} --json
