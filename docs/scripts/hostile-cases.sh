#!/usr/bin/env bash
# Runs the phasescope CLI on hostile input, one case per line, and prints the Markdown table of docs/RELIABILITY.md's
# "Exit codes, signals, resume across machines": class | case | exit code | message (first line) | files left.
# "files left" lists what the case created in its own empty working directory and any fixture file it changed.
#   bash docs/scripts/hostile-cases.sh [PhaseScope.Cli.dll] > /tmp/hostile.md
# Needs a built CLI (dotnet build -c Release), python3 (to write the gradient fixtures) and coreutils' timeout.
set -u
DLL="$(readlink -f "${1:-src/PhaseScope.Cli/bin/Release/net10.0/PhaseScope.Cli.dll}")"
[ -f "$DLL" ] || { echo "no CLI at $DLL; build first" >&2; exit 2; }
W="$(mktemp -d)"; trap 'rm -rf "$W"' EXIT
FX="$W/fx"; mkdir -p "$FX"
ps() { dotnet "$DLL" "$@"; }

# Fixtures: a tiny completed run with checkpoints and the spectral probe, gradient samples, odd files.
TINY=(--p 7 --d-model 8 --heads 2 --d-ff 16 --layers 1 --threads 1 --eval-every 10 --no-report)
ps grok "${TINY[@]}" --steps 40 --checkpoint-every 10 --probe-every 1 --cheap-only --spectral --spectral-stride 2 --spectral-window 3 \
  --spectral-tensors all --out "$FX" --name run --json >/dev/null 2>&1 || { echo "fixture run failed" >&2; exit 1; }
RUN="$FX/run"; CK="$RUN/checkpoints"
python3 - "$FX" <<'PY'
import json, struct, sys, math
def write(path, tensors):
    header, data = {}, b""
    for name, (shape, values) in tensors.items():
        raw = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    open(path, "wb").write(struct.pack("<Q", len(h)) + h + data)
d = sys.argv[1]
write(d + "/grads.safetensors", {"w": ([16, 3], [((i * 7919) % 13 - 6) / 5 for i in range(48)])})
write(d + "/nan-grads.safetensors", {"w": ([4, 2], [1.0, float("nan"), 0.5, 0.25, 1.0, 2.0, 3.0, 4.0])})
write(d + "/other-grads.safetensors", {"zzz": ([2, 2], [1.0, 2.0, 3.0, 4.0])})
PY
printf 'not a checkpoint\n' > "$FX/text.txt"; : > "$FX/empty.safetensors"
head -c 40 "$CK/step_0000010.safetensors" > "$FX/truncated.safetensors"
mkdir -p "$FX/emptydir"
CKS=("$CK"/step_00000[1-4]0.safetensors)

n=0
echo "| class | case | exit code | message (first line) | files left |"
echo "|---|---|---|---|---|"
row() {   # row CLASS ARGS... — the case is the command line as typed (fixture paths shortened)
  local class="$1"; shift
  n=$((n + 1)); local dir="$W/case$n"; mkdir -p "$dir"; touch "$W/stamp"; sleep 0.01
  local out err code
  out="$(cd "$dir" && ps "$@" 2>"$W/err" </dev/null)"; code=$?
  err="$(grep -m1 -v '^\s*$' "$W/err" || true)"
  [ -n "$err" ] || err="$(printf '%s\n' "$out" | grep -m1 -v '^\s*$' || true)"
  local left; left="$(cd "$dir" && find . -mindepth 1 -maxdepth 2 | sed 's|^\./||' | sort | head -4 | paste -sd ' ' -)"
  local touched; touched="$(find "$FX" -newer "$W/stamp" -type f ! -name '*-shm' ! -name '*-wal' | sed "s|$FX/||" | head -3 | paste -sd ' ' -)"
  [ -n "$touched" ] && left="${left:+$left; }fixture changed: $touched"
  local shown="phasescope $*"; shown="${shown//$FX\//}"
  err="${err//$FX\//}"; err="$(printf '%s' "$err" | sed 's/^ *//; s/ *$//; s/  */ /g')"
  printf '| %s | `%s` | %s | %s | %s |\n' "$class" "${shown//|/\\|}" "$code" "$(printf '%s' "${err:0:150}" | sed 's/|/\\|/g')" "${left:-none}"
}
timed() {   # timed SIGNAL CLASS ARGS...: the case stopped by coreutils' timeout after 8 s with SIGNAL
  local signal="$1" class="$2"; shift 2
  n=$((n + 1)); local dir="$W/case$n"; mkdir -p "$dir"
  (cd "$dir" && timeout --preserve-status -s "$signal" 8 dotnet "$DLL" "$@" >/dev/null 2>"$W/err"); local code=$?
  local status; status="$(sqlite3 "$dir"/out/*/run.db 'select status from runs' 2>/dev/null || echo '?')"
  printf '| %s | `timeout --preserve-status -s %s 8 phasescope %s` | %s | %s | %s |\n' "$class" "$signal" "$*" "$code" \
    "$(grep -m1 -v '^\s*$' "$W/err" | sed 's/|/\\|/g' | cut -c1-150)" "out/… (status $status, resumable)"
}

row "top level" ; row "top level" frobnicate; row "top level" grok --frobnicate 1
row "grok numbers" grok --steps 0 --out out; row "grok numbers" grok --steps -1 --out out
row "grok numbers" grok --steps 2147483648 --out out
row "grok numbers" grok --p 0 --out out; row "grok numbers" grok --p 1 --out out; row "grok numbers" grok --p 2147483647 --out out
row "grok numbers" grok --lr nan --out out; row "grok numbers" grok --lr -1 --out out; row "grok numbers" grok --lr inf --out out
row "grok numbers" grok --lr 1e308 --out out; row "grok numbers" grok --lr 0.5 --weight-decay 2 --out out
row "grok numbers" grok --train-fraction 0 --out out; row "grok numbers" grok --train-fraction 1.5 --out out
row "grok numbers" grok --batch-size 0 --out out; row "grok numbers" grok --eval-every 0 --out out
row "grok numbers" grok --d-model 0 --out out; row "grok numbers" grok --d-model 8 --heads 3 --out out
row "grok numbers" grok --layers -1 --out out; row "grok numbers" grok --threads 0 --out out
row "grok numbers" grok --threads 100000 --out out; row "grok numbers" grok --checkpoint-every -5 --out out
row "grok numbers" grok --probe-every 0 --out out; row "grok numbers" grok --beta1 1 --out out
row "grok numbers" grok --beta2 -0.1 --out out; row "grok numbers" grok --clip -1 --out out
row "grok numbers" grok --weight-decay nan --out out; row "grok numbers" grok --monitor-budget 0 --out out
row "grok numbers" grok --monitor-budget 2 --out out; row "grok numbers" grok --spectral-window 0 --out out
row "grok numbers" grok --spectral-stride 0 --out out; row "grok numbers" grok --consolidation-samples 1 --out out
row "grok numbers" grok --stop-after-grok -1 --out out; row "grok numbers" grok --curvature-every 0 --out out
row "grok words" grok --op frobnicate --out out; row "grok words" grok --task nope --out out
row "grok words" grok --activation swish --out out; row "grok words" grok --task scan --scan-split x --out out
row "grok words" grok --task dyck --multitask --out out; row "grok words" grok --task lm --context 1 --out out
row "grok words" grok --spectral-tensors "(" --out out; row "grok words" grok "${TINY[@]}" --spectral-tensors nomatch --out out
row "grok words" grok --consolidation sometimes --out out; row "grok words" grok --early-stop --early-stop-criteria never --out out
row "grok words" grok --adaptive-lr --lr-bands "x:y" --out out
row "grok paths" grok --name "a/b" --out out; row "grok paths" grok --name .. --out out
row "grok paths" grok --out /dev/null/x; row "grok paths" grok --grok-predictor /nonexistent --out out
row "grok paths" grok "${TINY[@]}" --steps 5 --out "$FX" --name run
row "resume" grok --resume /nonexistent; row "resume" grok --resume "$RUN"; row "resume" grok --resume "$RUN" --steps 5
row "resume" grok --resume "$FX/emptydir"; row "resume" grok --allow-settings-change steps --out out
row "resume" grok --resume "$RUN" --threads 0
row "resume" grok --resume "$RUN" --threads 100000; row "resume" grok --resume "$RUN" --allow-settings-change steps
row "diverged" grok "${TINY[@]}" --steps 30 --lr 1e30 --weight-decay 0 --cheap-only --out out --name nan
timed TERM "signals" grok --p 23 --d-model 32 --heads 2 --d-ff 64 --layers 1 --threads 1 --steps 1000000 --cheap-only --no-report --out out
timed TERM "signals" sweep --out out --ops add --seeds 1 --weight-decay 1 --steps 1000000 --grok-args "--p 23 --d-model 32 --heads 2 --d-ff 64 --layers 1 --threads 1 --no-report"
timed INT "signals" grok --p 23 --d-model 32 --heads 2 --d-ff 64 --layers 1 --threads 1 --steps 1000000 --cheap-only --no-report --out out
row "forget" forget --strategy nope --out out; row "forget" forget --mnist /nonexistent --out out; row "forget" forget --seed x
row "forget" forget --epochs 0 --out out
row "sweep" sweep --out s --seeds a; row "sweep" sweep --out s --weight-decay -1
row "sweep" sweep --out s --ops nope; row "sweep" sweep --out s --jobs 0; row "sweep" sweep --out s --steps 0
row "sweep" sweep --out s --shard 3/3; row "sweep" sweep --out s --shard -1/3; row "sweep" sweep --out s --shard 1/0
row "sweep" sweep --out s --shard x; row "sweep" sweep --out s --grok-args "--bogus"; row "sweep" sweep --out s --grok-args "--seed 3"
row "llc" llc /nonexistent; row "llc" llc "$RUN" --chains 0; row "llc" llc "$RUN" --draws 0; row "llc" llc "$RUN" --step-size -1
row "llc" llc "$RUN" --step-size nan; row "llc" llc "$RUN" --steps 999; row "llc" llc "$RUN" --threads 0
row "llc" llc "$RUN" --batch-size 0; row "llc" llc "$RUN" --localization -1; row "llc" llc "$RUN" --nbeta 0
row "llc" llc "$RUN" --step-size 1e308; row "llc" llc "$RUN" --localization 1e308; row "llc" llc "$RUN" --nbeta 1e308
row "llc" llc "$RUN" --steps abc; row "llc" llc "$RUN" --steps ","
row "ablate" ablate "$RUN" --at 0; row "ablate" ablate "$RUN" --at 99999; row "ablate" ablate "$RUN" --at 20 --k 0
row "ablate" ablate "$RUN" --at 20 --span 0; row "ablate" ablate "$RUN" --at 20 --window 1; row "ablate" ablate "$RUN" --at 20 --stride 0
row "ablate" ablate "$RUN" --at 20 --random -1; row "ablate" ablate /nonexistent --at 5; row "ablate" ablate "$RUN" --at 20 --threads 0
row "ablate" ablate "$RUN" --at 20 --window 2 --stride 2 --span 2147483647; row "ablate" ablate "$RUN" --at 20 --window 2 --stride 2 --k 3
row "ablate" ablate "$RUN" --at 20 --window 2 --stride 2 --random 101; row "ablate" ablate "$FX/emptydir" --at 20
row "correlate" correlate "$RUN" --metric nope; row "correlate" correlate "$RUN" --metric loss --max-lag -1
row "correlate" correlate "$RUN" --metric loss --max-lag 2147483647; row "correlate" correlate /nonexistent --metric loss
row "correlate" correlate "$RUN" --metric loss --with loss
row "verdict" verdict /nonexistent; row "verdict" verdict "$FX/emptydir"; row "verdict" verdict "$RUN" --window -1
row "verdict" verdict "$RUN" --window 9223372036854775808; row "verdict" verdict "$FX/text.txt"
row "edge-tests" edge-tests /nonexistent; row "edge-tests" edge-tests "$FX/emptydir"; row "edge-tests" edge-tests "$RUN" --markdown /nonexistent/dir/x.md
row "moments" moments --params /nonexistent; row "moments" moments --params "$FX/text.txt"; row "moments" moments --params "$FX/empty.safetensors"
row "moments" moments --params "${CKS[0]}" --orders 0:64:0; row "moments" moments --params "${CKS[0]}" --orders 10:0:5
row "moments" moments --params "${CKS[0]}" --orders a:b:c; row "moments" moments --params "${CKS[0]}" --orders 0:1e308:3
row "moments" moments --params "${CKS[0]}" --orders 0:64:2147483647; row "moments" moments --params "${CKS[0]}" --tensors "("
row "moments" moments --params "${CKS[0]}" --tensors nomatch; row "moments" moments --params "${CKS[0]}" --plane-width 0
row "moments" moments --params "${CKS[0]}" --grads "$FX/other-grads.safetensors"; row "moments" moments --params "${CKS[0]}" --sample -1
row "spectral" spectral --checkpoints "${CKS[0]}"; row "spectral" spectral --checkpoints "${CKS[@]}" --window 0
row "spectral" spectral --checkpoints "${CKS[@]}" --window -1; row "spectral" spectral --checkpoints /nonexistent "${CKS[@]}"
row "spectral" spectral --checkpoints "${CKS[0]}" "${CKS[0]}" "${CKS[0]}" --window 2; row "spectral" spectral --checkpoints "${CKS[@]}" --window 2 --tensors "("
row "spectral" spectral --checkpoints "$FX/truncated.safetensors" "${CKS[@]}" --window 2
row "spectral" spectral --checkpoints "${CKS[@]}" --window 2147483647; row "spectral" spectral --checkpoints "$FX/text.txt" "${CKS[@]}" --window 2
row "consolidation" consolidation --grads /nonexistent; row "consolidation" consolidation --grads "$FX/grads.safetensors" --tail-k 0
row "consolidation" consolidation --grads "$FX/grads.safetensors" --tail-k -1; row "consolidation" consolidation --grads "$FX/nan-grads.safetensors"
row "consolidation" consolidation --grads "$FX/grads.safetensors" --at-batch-size 8
row "consolidation" consolidation --grads "$FX/grads.safetensors" --batch-size 0 --at-batch-size 8
row "consolidation" consolidation --grads "$FX/empty.safetensors"
row "consolidation" consolidation --grads "$FX/grads.safetensors" --tail-k 2147483647; row "consolidation" consolidation --grads "${CKS[0]}"
row "export" export "$RUN"; row "export" export /nonexistent --csv; row "export" export "$RUN" --csv --out /dev/null
row "report" report /nonexistent; row "report" report "$RUN" --at x --out r.html; row "report" report "$RUN" --at -5 --out r.html
row "report" report "$FX/emptydir"; row "report" report "$RUN" --at 99999999999999999999 --out r.html; row "compare" compare; row "compare" compare /nonexistent; row "compare" compare "$RUN" "$RUN" --out c.html
row "runs" runs /nonexistent; row "runs" runs "$FX/text.txt"
row "inspect" inspect /nonexistent; row "inspect" inspect "$FX/text.txt"; row "inspect" inspect "$FX/empty.safetensors"
row "inspect" inspect "$FX/truncated.safetensors"; row "inspect" inspect "$FX/emptydir"
echo
echo "$n cases, $(date -u +%Y-%m-%d) with $(basename "$DLL") built from $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo '?')."
