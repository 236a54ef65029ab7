#!/usr/bin/env python3
"""Prints the markdown tables of docs/SPECTRAL.md (seed 001, Test 7) from the runs of spectral-test7.sh.

Usage: python3 docs/scripts/spectral-table.py [OUT]   (default OUT=runs/spectral)
Reads results.jsonl and each run's run.db (SQLite) directly; needs only the Python standard library.

Per run, two spectra, labelled:
  trajectory Gram (the authors' replication code): the rolling window of attention-weight updates
    R@grok   gap ratio σ_k*/σ_k*+1 of the window ending at the grok step; R end: last window
    k* before → at grok: k* of the first full window and of the grok window
    g23 decline: 1 − g23(grok window) / max g23 over windows before grok
  weight spectra (the seed's Test 7 tables): layer-0 query projection σ₁/σ₂ (Dyck) and the attention operator
    W_Qᵀ W_K of layer 0, σ₁/σ₂ and σ₂/σ₃ (modular), at the grok step and at the end.
Control runs (weight decay 0) report the same numbers at the end of the run.
"""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rundb import at, series  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else "runs/spectral"


def fmt(v, f="{:.3g}"):
    return "—" if v is None else f.format(v)


def events(db, kind):
    return [r[0] for r in db.execute("select step from events where kind = ? order by step", (kind,)).fetchall()]


runs = [json.loads(l) for l in open(os.path.join(out, "results.jsonl")) if l.strip()]
rows = {"modular": [], "dyck": []}
for r in runs:
    db = sqlite3.connect(f"file:{os.path.join(r['run_dir'], 'run.db')}?mode=ro", uri=True)
    g = r["grok_step"]
    ref = g if g is not None else r["steps"]
    ratio = series(db, "spectral/gap_ratio")
    kstar = series(db, "spectral/k_star")
    g23 = series(db, "spectral/g23")
    before = [v for s, v in g23 if s < ref]
    g23_ref = at(g23, ref)
    decline = (1 - g23_ref / max(before)) if before and g23_ref is not None and max(before) > 0 else None
    q = series(db, "weights/layers.0.attn.q_proj.weight/ratio12")
    op12 = series(db, "attn_op/layers.0.attn/ratio12")
    op23 = series(db, "attn_op/layers.0.attn/ratio23")
    gap_open = events(db, "gap_opened")
    collapse = events(db, "gap_collapsed")
    shifts = events(db, "k_star_shift")
    # A window ending at step t holds the updates of (t − W·s, t]; from 2·W·s on it no longer holds any update of
    # the first W·s steps (the initial transient). Events from then on are "late".
    clean = 2 * (ratio[0][0] if ratio else 0)
    row = dict(
        op=r.get("op") or "dyck", seed=r["seed"], wd=r["weight_decay"], grok=g, steps=r["steps"],
        R_ref=at(ratio, ref), R_end=ratio[-1][1] if ratio else None,
        k_first=kstar[0][1] if kstar else None, k_ref=at(kstar, ref),
        g23_first=g23[0][1] if g23 else None, g23_ref=g23_ref, decline=decline,
        q_ref=at(q, ref), q_end=q[-1][1] if q else None, q_max_after=max((v for s, v in q if s >= ref), default=None),
        op12_first=op12[0][1] if op12 else None, op12_ref=at(op12, ref), op12_end=op12[-1][1] if op12 else None,
        op23_first=op23[0][1] if op23 else None, op23_ref=at(op23, ref),
        first_open=gap_open[0] if gap_open else None, first_shift=shifts[0] if shifts else None,
        first_collapse=collapse[0] if collapse else None,
        late_shift=next((e for e in shifts if e >= clean), None), clean=clean,
        window_start=ratio[0][0] if ratio else None,
    )
    rows["dyck" if r["task"] == "dyck" else "modular"].append(row)

order = {"add": 0, "sub": 1, "mul": 2, "x2_y2": 3, "dyck": 4}
for task in ("modular", "dyck"):
    rs = sorted(rows[task], key=lambda x: (-x["wd"], order.get(x["op"], 9), x["seed"]))
    if not rs:
        continue
    print(f"\n### {task}: trajectory Gram (attention projections, window from step {rs[0]['window_start']})\n")
    print(f"| op | seed | wd | grok step | R at grok/end of control | R end | k* first → at grok | g23 first | g23 at grok | g23 decline | first gap_opened | first gap_collapsed | first k*_shift | first k*_shift ≥ step {rs[0]['clean']} |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for x in rs:
        print(f"| {x['op']} | {x['seed']} | {x['wd']:g} | {fmt(x['grok'], '{}')} | {fmt(x['R_ref'])} | {fmt(x['R_end'])} | "
              f"{fmt(x['k_first'], '{:.0f}')} → {fmt(x['k_ref'], '{:.0f}')} | {fmt(x['g23_first'])} | {fmt(x['g23_ref'])} | "
              f"{fmt(x['decline'], '{:.0%}')} | {fmt(x['first_open'], '{}')} | {fmt(x['first_collapse'], '{}')} | {fmt(x['first_shift'], '{}')} | {fmt(x['late_shift'], '{}')} |")
    print(f"\n### {task}: weight spectra (layer 0)\n")
    print("| op | seed | wd | grok step | W_Q σ₁/σ₂ at grok | W_Q σ₁/σ₂ max after | W_Q σ₁/σ₂ end | W_QᵀW_K σ₁/σ₂ first → grok → end | W_QᵀW_K σ₂/σ₃ first → grok |")
    print("|---|---|---|---|---|---|---|---|---|")
    for x in rs:
        print(f"| {x['op']} | {x['seed']} | {x['wd']:g} | {fmt(x['grok'], '{}')} | {fmt(x['q_ref'])} | {fmt(x['q_max_after'])} | {fmt(x['q_end'])} | "
              f"{fmt(x['op12_first'])} → {fmt(x['op12_ref'])} → {fmt(x['op12_end'])} | {fmt(x['op23_first'])} → {fmt(x['op23_ref'])} |")
    wd1 = [x for x in rs if x["wd"] > 0]
    wd0 = [x for x in rs if x["wd"] == 0]
    print(f"\ngroks with weight decay: {sum(x['grok'] is not None for x in wd1)}/{len(wd1)}; "
          f"without: {sum(x['grok'] is not None for x in wd0)}/{len(wd0)}; "
          f"gap_opened events: wd {sum(x['first_open'] is not None for x in wd1)}/{len(wd1)}, control {sum(x['first_open'] is not None for x in wd0)}/{len(wd0)}; "
          f"k*_shift events: wd {sum(x['first_shift'] is not None for x in wd1)}/{len(wd1)}, control {sum(x['first_shift'] is not None for x in wd0)}/{len(wd0)}; "
          f"late k*_shift: wd {sum(x['late_shift'] is not None for x in wd1)}/{len(wd1)}, control {sum(x['late_shift'] is not None for x in wd0)}/{len(wd0)}")
