"""The strata tables of docs/RESULTS.md ("Breaking the weight-decay confound") from the verdicts strata.sh writes.

    python3 docs/scripts/strata-table.py docs/results/strata [RUNS]   # reads pooled/, wd/, nowd/ verdict.json

With RUNS (strata.sh's OUT), first a table of every run: operation, weight decay, train fraction, steps, grok step,
final test accuracy, and seed 000's d0 (smallest value, value at the grok step or the end) and largest m-cap.

Prints Markdown: the runs per stratum, each event's hit rate and matched false positives per stratum, the lead-time
AUROC (H = 500, run-bootstrap 95 % interval) of the combined predictor's features and the baselines per stratum, and
the combined predictor's cross-validated AUROC (leave one seed out; leave one operation out).
"""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rundb  # noqa: E402

SETS = [("wd", "weight decay 1"), ("nowd", "no weight decay"), ("pooled", "pooled")]
OBSERVABLES = ["step", "param_norm", "eval/test_loss", "spectral/gap_ratio", "spectral/g23", "spectral/k_star",
               "consolidation/p_smoothed", "consolidation/c_alpha", "curvature/lambda_max", "moments/m_cap", "moments/d0"]


def load(root):
    out = {}
    for key, _ in SETS:
        path = os.path.join(root, key, "verdict.json")
        if os.path.exists(path):
            out[key] = json.load(open(path))
    return out


def auc(x):
    if x is None or x.get("auroc") is None:
        return "—"
    lo, hi = x.get("low"), x.get("high")
    ci = f" ({lo:.2f}–{hi:.2f})" if lo is not None and hi is not None else ""
    return f"{x['auroc']:.3f}{ci}"


def runs_table(runs_dir):
    print("| run | op | weight decay | train fraction | steps | grok step | final test acc | d0 min | d0 at grok (end) | m-cap max |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in sorted(os.listdir(runs_dir)):
        if not name.endswith(".json") or name.endswith(".part"):
            continue
        run = os.path.join(runs_dir, name[:-5])
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(run, "run.db"), uri=True)
        summary = json.loads(db.execute("select summary_json from runs").fetchone()[0])
        settings = json.load(open(os.path.join(run, "settings.json")))
        tf = settings.get("task", settings).get("TrainFraction", "?")   # schema 2 nests it under "task"
        d0 = rundb.series(db, "moments/d0")
        mcap = rundb.series(db, "moments/m_cap")
        g = summary.get("grok_step")
        at = rundb.at(d0, g if g is not None else summary["steps"])
        print(f"| {name[:-5]} | {summary.get('op')} | {summary.get('weight_decay'):g} | {tf} | {summary['steps']} | {g if g is not None else '—'} | "
              f"{summary['final_test_acc']:.3f} | {min(v for _, v in d0):.2f} | {at:.2f} | {max(v for _, v in mcap):g} |")
    print()


def main(root):
    if len(sys.argv) > 2:
        runs_table(sys.argv[2])
    v = load(root)
    keys = [k for k, _ in SETS if k in v]
    titles = dict(SETS)
    print("| stratum | runs | grokked | grok steps |")
    print("|---|---|---|---|")
    for k in keys:
        runs = v[k]["runs"]
        g = [r for r in runs if r["grok_step"] is not None]
        print(f"| {titles[k]} | {len(runs)} | {len(g)} | {', '.join(str(r['grok_step']) for r in g) or '—'} |")
    print()
    kinds = sorted({i["kind"] for k in keys for i in v[k]["indicators"]})
    print("| event | " + " | ".join(f"{titles[k]}: hits, matched false positives" for k in keys) + " |")
    print("|---|" + "---|" * len(keys))
    for kind in kinds:
        cells = []
        for k in keys:
            i = next((x for x in v[k]["indicators"] if x["kind"] == kind), None)
            cells.append("—" if i is None else f"{i['hits']}/{i['grokking']}, {i['matched_false_positives']}/{i['controls']}")
        print(f"| {kind} | " + " | ".join(cells) + " |")
    print()
    print("| observable (H = 500) | " + " | ".join(f"AUROC, {titles[k]}" for k in keys) + " |")
    print("|---|" + "---|" * len(keys))
    for o in OBSERVABLES:
        cells = []
        for k in keys:
            x = next((r for r in v[k]["lead_time_roc"] if r["observable"] == o and r["horizon"] == 500), None)
            cells.append(auc(x))
        print(f"| {o} | " + " | ".join(cells) + " |")
    print()
    print("| combined predictor (H = 500) | " + " | ".join(titles[k] for k in keys) + " |")
    print("|---|" + "---|" * len(keys))
    for scheme, label in [("leave one seed out", "leave one seed out"), ("leave one task out", "leave one operation out")]:
        cells = []
        for k in keys:
            c = next((x for x in v[k]["combined_predictor"] if x["scheme"] == scheme), None)
            cells.append("not evaluable" if c is None else
                         f"{auc(c)}; alarms {c['hits']}/{c['grokking']}, false {c['false_positives']}/{c['controls']}")
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
