#!/usr/bin/env bash
# Same results from two builds (issue 25's "results of the README run are unchanged"): runs the README's grok command,
# shortened to 1700 steps (past the grok step), and a controller run with each build, then compares every stored metric
# (monitor timings aside), every event and every snapshot, value for value.
#   bash docs/scripts/same-results.sh OLD_BIN_DIR NEW_BIN_DIR [WORK_DIR]
# A BIN_DIR is a copy of src/PhaseScope.Cli/bin/Release/net10.0 built at the commit to compare, e.g.
#   git worktree add /tmp/old d6f6e87 && (cd /tmp/old && dotnet build -c Release) && cp -r /tmp/old/src/PhaseScope.Cli/bin/Release/net10.0 /tmp/oldbin
set -euo pipefail
old="${1:?old build dir}"; new="${2:?new build dir}"; work="${3:-$(mktemp -d)}"
mkdir -p "$work"
for side in old new; do
  bin="${!side}"
  dotnet "$bin/PhaseScope.Cli.dll" grok --task modular --op add --p 97 --seed 42 --weight-decay 1.0 --steps 1700 \
    --out "$work" --name "readme-$side" --no-report --json > "$work/readme-$side.json"
  dotnet "$bin/PhaseScope.Cli.dll" grok --task modular --op add --p 97 --seed 42 --steps 600 --adaptive-lr --early-stop \
    --cheap-only --consolidation micro --out "$work" --name "control-$side" --no-report --json > "$work/control-$side.json"
done
python3 - "$work" <<'PY'
import sqlite3, sys
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
sys.exit(0 if ok else 1)
PY
