#!/usr/bin/env bash
# Same results from two builds. Part 1 (training): runs the README's grok command, shortened to 1700 steps (past the
# grok step), and a controller run with each build, then compares every stored metric (monitor timings aside), every
# event and every snapshot, value for value, and the two builds' `grok --json` summaries (timings and paths aside).
# Part 2 (readers): both builds read the SAME stored runs (the old build's), so any difference is the build's: `report`
# (the HTML page with its chart data), `compare`, `verdict` (VERDICT.md and verdict.json), `export --csv`. A reader's
# outputs are compared byte for byte; a difference prints the first differing lines, to be declared or fixed.
#   bash docs/scripts/same-results.sh OLD_BIN_DIR NEW_BIN_DIR [WORK_DIR]
# A BIN_DIR is a copy of src/PhaseScope.Cli/bin/Release/net10.0 built at the commit to compare, e.g.
#   git worktree add /tmp/old d6f6e87 && (cd /tmp/old && dotnet build -c Release) && cp -r /tmp/old/src/PhaseScope.Cli/bin/Release/net10.0 /tmp/oldbin
# Resumable: a side whose run finished (its --json summary exists) is not trained again; SAME_RESULTS_STEPS (default
# 1700) shortens the README run further on a busy machine; THREADS (default 1) is the trainer's thread count.
set -euo pipefail
old="${1:?old build dir}"; new="${2:?new build dir}"; work="${3:-$(mktemp -d)}"
steps="${SAME_RESULTS_STEPS:-1700}"; threads="${THREADS:-1}"
mkdir -p "$work"
for side in old new; do
  bin="${!side}"
  if [ ! -s "$work/readme-$side.json" ]; then
    rm -rf "$work/readme-$side"
    dotnet "$bin/PhaseScope.Cli.dll" grok --task modular --op add --p 97 --seed 42 --weight-decay 1.0 --steps "$steps" \
      --threads "$threads" --out "$work" --name "readme-$side" --no-report --json > "$work/readme-$side.json.part"
    mv "$work/readme-$side.json.part" "$work/readme-$side.json"
  fi
  if [ ! -s "$work/control-$side.json" ]; then
    rm -rf "$work/control-$side"
    dotnet "$bin/PhaseScope.Cli.dll" grok --task modular --op add --p 97 --seed 42 --steps 600 --adaptive-lr --early-stop \
      --cheap-only --consolidation micro --threads "$threads" --out "$work" --name "control-$side" --no-report --json > "$work/control-$side.json.part"
    mv "$work/control-$side.json.part" "$work/control-$side.json"
  fi
done
# Part 2: every reader of both builds over the old build's runs.
for side in old new; do
  bin="${!side}"; out="$work/read-$side"; rm -rf "$out"; mkdir -p "$out"
  for run in readme-old control-old; do
    dotnet "$bin/PhaseScope.Cli.dll" report "$work/$run" --out "$out/$run.report.html" > /dev/null
    mkdir -p "$out/$run.export"
    dotnet "$bin/PhaseScope.Cli.dll" export "$work/$run" --csv --out "$out/$run.export" > /dev/null
  done
  dotnet "$bin/PhaseScope.Cli.dll" compare "$work/readme-old" "$work/control-old" --out "$out/compare.html" > /dev/null
  # one --out for both builds (VERDICT.md quotes its command), moved into place after
  rm -rf "$work/verdict"
  dotnet "$bin/PhaseScope.Cli.dll" verdict "$work/readme-old" "$work/control-old" --out "$work/verdict" > /dev/null
  mv "$work/verdict" "$out/verdict"
done
python3 - "$work" <<'PY'
import json, os, sqlite3, sys, difflib
work = sys.argv[1]
def rows(run, sql):
    con = sqlite3.connect(f"{work}/{run}/run.db")
    return con.execute(sql).fetchall()
ok = True
for pair in ("readme", "control"):
    a, b = f"{pair}-old", f"{pair}-new"
    q = ("select m.step, n.name, m.value from metrics m join metric_names n on n.id = m.name_id "
         "where n.name not like 'monitor/%' order by m.step, n.name, m.rowid")
    ma, mb = rows(a, q), rows(b, q)
    ea = rows(a, "select step, kind, source, message from events order by id")
    eb = rows(b, "select step, kind, source, message from events order by id")
    sa = rows(a, "select step, name, source, json from snapshots order by id")
    sb = rows(b, "select step, name, source, json from snapshots order by id")
    same = ma == mb and ea == eb and sa == sb
    ok &= same
    print(f"{pair}: {len(ma)} metric values, {len(ea)} events, {len(sa)} snapshots: {'identical' if same else 'DIFFERENT'}")
    # --json: the summary a script reads, timings and the run's own directory aside
    varying = {"wall_seconds", "steps_per_second", "monitor_seconds", "monitor_fraction", "run_dir"}
    ja, jb = (json.load(open(f"{work}/{r}.json")) for r in (a, b))
    ka, kb = ([(k, v) for k, v in j.items() if k not in varying] for j in (ja, jb))
    print(f"{pair} --json: {len(ka)} keys: {'identical' if ka == kb else 'DIFFERENT'}")
    if ka != kb:
        for (x, y) in zip(ka, kb):
            if x != y: print(f"    old {x}\n    new {y}")
        if len(ka) != len(kb): print(f"    keys only in one: {sorted(set(dict(ka)) ^ set(dict(kb)))}")
    ok &= ka == kb
old_dir, new_dir = f"{work}/read-old", f"{work}/read-new"
files = sorted(os.path.relpath(os.path.join(d, f), old_dir) for d, _, fs in os.walk(old_dir) for f in fs)
files += sorted(set(os.path.relpath(os.path.join(d, f), new_dir) for d, _, fs in os.walk(new_dir) for f in fs) - set(files))
for f in files:
    pa, pb = os.path.join(old_dir, f), os.path.join(new_dir, f)
    if not (os.path.exists(pa) and os.path.exists(pb)):
        print(f"{f}: only in {'old' if os.path.exists(pa) else 'new'}"); ok = False; continue
    ta, tb = open(pa, "rb").read(), open(pb, "rb").read()
    if ta == tb:
        print(f"{f}: {len(ta)} bytes: identical"); continue
    ok = False
    la, lb = ta.decode("utf-8", "replace").splitlines(), tb.decode("utf-8", "replace").splitlines()
    diff = [l for l in difflib.unified_diff(la, lb, lineterm="", n=0) if not l.startswith(("---", "+++", "@@"))]
    print(f"{f}: DIFFERENT ({len(diff)} differing lines)")
    for l in diff[:6]: print("    " + (l[:300] + " …" if len(l) > 300 else l))
sys.exit(0 if ok else 1)
PY
