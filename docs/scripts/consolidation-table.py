#!/usr/bin/env python3
"""Prints the markdown table of docs/CONSOLIDATION.md from the runs of consolidation-grok.sh.

Usage: python3 docs/scripts/consolidation-table.py [OUT]   (default OUT=runs/consolidation)
Reads each run's run.db (SQLite) directly; needs only the Python standard library.
"""
import glob
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rundb import at, series  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else "runs/consolidation"


def mean_between(s, lo, hi):
    v = [x for st, x in s if lo <= st <= hi]
    return sum(v) / len(v) if v else None


def f(x, fmt="{:.3g}"):
    return "–" if x is None else fmt.format(x)


print("| run | grok step | first p↑ (smoothed) | p↑ − grok | p mean 0–200 | p mean [grok−500, grok) | p mean (grok, grok+500] | p mean last 500 | seed-formula p at the training batch, mean [grok−500, grok) (biased) | micro-batch p (b = 64) mean [grok−500, grok) / after | λ_max at 100 / peak (step) / grok / end | S = 2/η − λ_max at grok | Hill α̂ at grok | p↓ events |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for run in sorted(glob.glob(os.path.join(out, "*", "run.db"))):
    name = os.path.basename(os.path.dirname(run))
    db = sqlite3.connect(f"file:{run}?mode=ro", uri=True)
    events = db.execute("select step, kind from events order by step").fetchall()
    grok = next((st for st, k in events if k == "grokked"), None)
    up = next((st for st, k in events if k == "p_crossed_up"), None)
    downs = [st for st, k in events if k == "p_crossed_down"]
    # The deciding p of the micro-batch method: bias-corrected, at the training batch.
    p = series(db, "consolidation/p_step_unbiased")
    pseed = series(db, "consolidation/p_step")
    c = series(db, "consolidation/c_alpha_step")
    lam = series(db, "curvature/lambda_max")
    margin = series(db, "curvature/stability_margin")
    tail = series(db, "consolidation/tail_index")
    pm = series(db, "consolidation/p")
    peak = max(lam, key=lambda sv: sv[1]) if lam else (None, None)
    last = p[-1][0] if p else 0
    ref = grok if grok is not None else last
    print("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} / {} | {} / {} ({}) / {} / {} | {} | {} | {} |".format(
        name, f(grok, "{}"), f(up, "{}"), f(None if grok is None or up is None else up - grok, "{:+d}"),
        f(mean_between(p, 0, 200), "{:.3f}"),
        f(mean_between(p, ref - 500, ref - 1) if grok else None, "{:.3f}"),
        f(mean_between(p, ref + 1, ref + 500) if grok else None, "{:.3f}"),
        f(mean_between(p, last - 499, last), "{:.3f}"),
        f(mean_between(pseed, ref - 500, ref - 1) if grok else None, "{:.3f}"),
        f(mean_between(pm, ref - 500, ref - 1) if grok else None, "{:.3f}"), f(mean_between(pm, ref + 1, ref + 500) if grok else None, "{:.3f}"),
        f(at(lam, 100)), f(peak[1]), f(peak[0], "{}"), f(at(lam, ref) if grok else None), f(at(lam, last)),
        f(at(margin, ref) if grok else None, "{:.0f}"), f(at(tail, ref) if grok else None, "{:.2f}"),
        ", ".join(str(s) for s in downs) or "none"))

# A closer look at one run (every 100 steps).
detail = os.path.join(out, "mod-add-s42-wd1.0", "run.db")
if os.path.exists(detail):
    db = sqlite3.connect(f"file:{detail}?mode=ro", uri=True)
    cols = {n: dict(series(db, n)) for n in ["consolidation/p_step_unbiased", "consolidation/p_step", "consolidation/p",
                                              "consolidation/c_alpha_step_unbiased", "consolidation/signal", "consolidation/noise",
                                              "eval/train_acc", "eval/test_acc", "curvature/lambda_max"]}
    print()
    print("| step | p (bias-corrected, train batch) | seed-formula p (train batch) | micro-batch p | C_α (bias-corrected, train batch) | signal ‖ḡ‖² | noise Tr Σ̂ (b = 64) | train / test acc | λ_max |")
    print("|---|---|---|---|---|---|---|---|---|")
    for step in [100, 200, 300, 500, 1000, 1300, 1400, 1500, 1600, 2000, 2500, 3000]:
        g = lambda n, fmt="{:.3g}": f(cols[n].get(step), fmt)
        print(f"| {step} | {g('consolidation/p_step_unbiased', '{:.3f}')} | {g('consolidation/p_step', '{:.3f}')} | {g('consolidation/p', '{:.3f}')} | "
              f"{g('consolidation/c_alpha_step_unbiased')} | {g('consolidation/signal')} | {g('consolidation/noise')} | "
              f"{g('eval/train_acc', '{:.3f}')} / {g('eval/test_acc', '{:.3f}')} | {g('curvature/lambda_max')} |")
