#!/usr/bin/env bash
# Runs the hostile output/input/leftover/escaping cases of docs/RELIABILITY.md ("Output and input guard, leftovers,
# escaping") against the built CLI and prints one Markdown table row per case:
#   class | case | exit code | message (first stderr line, shortened; WORLD is the scratch folder) | files left
# "files left" compares a listing of the scratch world (path, type, size, link target, checksum of regular files) and
# the type of /dev/null and /dev/zero before and after the command.
# Usage: docs/scripts/guard-cases.sh [path/to/PhaseScope.Cli.dll]   (build with: dotnet build -c Release)
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
dll=${1:-$repo/src/PhaseScope.Cli/bin/Release/net10.0/PhaseScope.Cli.dll}
P() { dotnet "$dll" "$@"; }
W=$(mktemp -d /tmp/phasescope-guard.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
P grok --steps 5 --cheap-only --no-report --out runs --name a --json >/dev/null
P grok --steps 5 --cheap-only --no-report --out runs --name b --json >/dev/null
mkdir -p runs/a/tensorboard folder.md
mkfifo pipe pipe.md
echo "precious bytes" > precious.txt
echo "not html" > notes.html
ln -s precious.txt link.html
ln -s precious.txt link.md
ln -s nowhere dangling.html
ln -s pipe pipe-link
mkdir odd-run && ln -s "$W/pipe" odd-run/run.db
mkdir zero-run && ln -s /dev/zero zero-run/run.db
python3 - <<'PY'
import struct, json
h = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
open("real.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + struct.pack("<2f", 1.0, 2.0))
import os, random
os.makedirs("mnist", exist_ok=True)
rng = random.Random(0)
for prefix, n in (("train", 100), ("t10k", 50)):   # a tiny synthetic MNIST in IDX format (magic, big-endian dims, bytes)
    open(f"mnist/{prefix}-images-idx3-ubyte", "wb").write(struct.pack(">IIII", 0x803, n, 28, 28) + bytes(rng.randrange(256) for _ in range(n * 784)))
    open(f"mnist/{prefix}-labels-idx1-ubyte", "wb").write(struct.pack(">II", 0x801, n) + bytes(i % 10 for i in range(n)))
PY

snapshot() {
  { find "$W" -mindepth 1 \( -name 'run.db-wal' -o -name 'run.db-shm' \) -prune -o -printf '%P %y %s %l\n' | sort
    find "$W" -type f ! -name 'run.db*' -print0 | sort -z | xargs -0 md5sum 2>/dev/null
    stat -c '%n %F' /dev/null /dev/zero; } | md5sum | cut -c1-32
}
listing() { find "$W" -mindepth 1 \( -name 'run.db-wal' -o -name 'run.db-shm' \) -prune -o -printf '%P %y\n' | sort; }
cell() { printf '%s' "$1" | tr '\n' ' ' | sed -e "s|$W|WORLD|g" -e 's/|/\\|/g' -e 's/`/\\`/g' | cut -c1-"${2:-110}"; }

row() {   # row CLASS DESCRIPTION ARGS...
  local class=$1 what=$2; shift 2
  local before after list_before rc err left
  before=$(snapshot); list_before=$(listing)
  err=$(timeout 120 dotnet "$dll" "$@" 2>&1 >/dev/null); rc=$?
  after=$(snapshot)
  if [ "$before" = "$after" ]; then left="nothing changed"
  else left="changed: $(diff <(echo "$list_before") <(listing) | grep '^[<>]' | tr '\n' ' ' | cut -c1-80)"; [ "$left" = "changed: " ] && left="a file's content changed"; fi
  [ $rc -eq 124 ] && err="(hung: killed after 120 s)"
  printf '| %s | %s | %s | %s | %s |\n' "$class" "$(cell "$what" 90)" "$rc" "$(cell "${err%%$'\n'*}")" "$left"
}

echo "| class | case | exit | message (shortened) | files left |"
echo "|---|---|---|---|---|"
for t in /dev/null pipe folder.md link.html dangling.html runs/b/x.html runs/b/run.lock runs/a/run.db runs/a/run.lock runs/a/settings.json runs/a/checkpoints/x.html runs/a/tensorboard/x.html notes.html precious.txt/x.html; do
  row "output file" "report runs/a --out $t" report runs/a --out "$t"
  row "output file" "compare runs/a runs/b --out $t" compare runs/a runs/b --out "$t"
done
for t in /dev/null pipe.md folder.md link.md runs/b/x.md runs/a/checkpoints/x.md; do
  row "output file" "edge-tests runs/a --markdown $t" edge-tests runs/a --markdown "$t"
done
row "output file" "report --out '' (empty)" report runs/a --out ""
row "output file" "report --out with a newline in the name" report runs/a --out $'x\ny.html'
for t in /dev/null pipe precious.txt runs/b runs/b/checkpoints pipe-link; do
  row "output directory" "export runs/a --csv --out $t" export runs/a --csv --out "$t"
  row "output directory" "verdict runs/a --out $t" verdict runs/a --out "$t"
  row "output directory" "sweep --out $t" sweep --steps 5 --seeds 1 --weight-decay 1 --ops add --out "$t"
  row "output directory" "grok --out $t" grok --steps 5 --out "$t"
  row "output directory" "forget --out $t" forget --out "$t"
done
row "output directory" "export runs/a --csv --out runs/a/checkpoints" export runs/a --csv --out runs/a/checkpoints
for f in pipe /dev/zero pipe-link; do
  row "input" "inspect $f" inspect "$f"
  row "input" "moments --params $f" moments --params "$f"
  row "input" "moments --params real --grads $f" moments --params real.safetensors --grads "$f"
  row "input" "consolidation --grads $f" consolidation --grads "$f"
  row "input" "spectral --window 2 --checkpoints real $f real" spectral --window 2 --checkpoints real.safetensors "$f" real.safetensors
  row "input" "report $f (as a run)" report "$f"
  row "input" "grok --resume $f" grok --resume "$f"
  row "input" "llc $f" llc "$f"
  row "input" "verdict $f" verdict "$f"
  row "input" "runs $f" runs "$f"
  row "input" "ablate $f --at 10" ablate "$f" --at 10
  row "input" "grok --grok-predictor $f" grok --steps 5 --out fresh --grok-predictor "$f"
done
row "input" "report odd-run (run.db → FIFO)" report odd-run
row "input" "report zero-run (run.db → /dev/zero)" report zero-run
row "input" "export zero-run --csv" export zero-run --csv
row "leftover" "sweep whose every run is refused (--grok-args '--clip 1e400')" sweep --steps 5 --seeds 1 --weight-decay 1 --ops add --grok-args "--clip 1e400" --out new-sweep
row "leftover" "forget --hidden 2000000000 (6.3 TB of weights: the allocation fails after the run directory exists)" forget --mnist mnist --hidden 2000000000 --epochs 1 --out fresh --name big
row "leftover" "grok --steps 5 --out fresh --name ok (control: a run is created)" grok --steps 5 --cheap-only --no-report --out fresh --name ok --json
