#!/usr/bin/env python3
"""The tables of docs/SPECTRAL.md's "Seed 001 Test 7 on the seed's objects and grid", from the runs of test7-grid.sh.

Usage: python3 docs/scripts/test7-table.py [OUT] [--json FILE]   (default OUT=runs/test7)
Reads OUT/results.jsonl and each run's run.db (SQLite) directly; needs only the Python standard library.

Definitions (each computed here from the stored series, nothing taken from the tool's own summaries but the grok step):
  grok step g     the first evaluation with test accuracy ≥ 0.95 (the tool's grok_step).
  reference step  g for a run that grokked; for a run that did not, the grok step of the run with the same task,
                  operation and seed and weight decay 1.0 when it grokked (a matched step), else the last evaluation.
  attention operator M = W_Qᵀ W_K of layer 0 (singular values σ₁ ≥ … ≥ σ₄ stored at every evaluation).
  weight k*       argmax over j = 1, 2, 3 of σ_j/σ_{j+1} of M: the seed's Definition 6.1 applied to the operator's four
                  stored singular values (so k* ≤ 3; the seed's claim is a move from 2–3 to 1).
  migration       weight k* of the first evaluation is 2 or 3 and weight k* at the reference step is 1; "k*=1 from"
                  is the first evaluation from which k* stays 1 up to the reference step.
  g₂₃             σ₂² − σ₃² of M; "closed" when its reading at the reference step is at most half its first reading
                  (the rule of the weight_gap23_closed event); "monotone" is the share of evaluation-to-evaluation
                  changes up to the reference step that are decreases.
  Gram k*         spectral/k_star of the update-window Gram (W updates of the attention projections), first full
                  window and the window ending at the reference step.
  Gram events     gap_opened / gap_collapsed of the spectral probe in [ref − 1000, ref].
  W_Q gap opened  σ₁/σ₂ of a query projection crossing above 1.5 after a reading at or below it (weight_gap_opened).
"""
import json
import os
import sqlite3
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rundb import at, series  # noqa: E402

WINDOW = 1000
L0 = "layers.0.attn"
ORDER = {"add": 0, "sub": 1, "mul": 2, "x2_y2": 3, "dyck": 4}


def fmt(v, f="{:.3g}"):
    return "—" if v is None else f.format(v)


def events(db, kind):
    return [r[0] for r in db.execute("select step from events where kind = ? order by step", (kind,)).fetchall()]


def weight_kstar(sig):
    """[(step, k*)] from the four singular-value series of the attention operator."""
    cols = [dict(s) for s in sig]
    result = []
    for step in sorted(cols[0]):
        vals = [c.get(step) for c in cols]
        if any(v is None for v in vals) or any(v <= 0 for v in vals[1:]):
            continue
        ratios = [vals[j] / vals[j + 1] for j in range(3)]
        result.append((step, 1 + max(range(3), key=lambda j: ratios[j])))
    return result


def stays_one_from(ks, ref):
    """First step from which k* is 1 at every evaluation up to ref (None if k*(ref) ≠ 1)."""
    before = [(s, k) for s, k in ks if s <= ref]
    if not before or before[-1][1] != 1:
        return None
    start = before[-1][0]
    for s, k in reversed(before):
        if k != 1:
            break
        start = s
    return start


def q_gap_opened(q):
    """First step at which σ₁/σ₂ crosses above 1.5 after a reading at or below it."""
    prev = None
    for s, v in q:
        if prev is not None and prev <= 1.5 < v:
            return s
        prev = v
    return None


def parameter_count(run_dir):
    """Trainable values in the run's last model checkpoint (the safetensors header's shapes)."""
    ckpt = os.path.join(run_dir, "checkpoints")
    files = sorted(f for f in os.listdir(ckpt) if f.endswith(".safetensors") and ".monitor." not in f) if os.path.isdir(ckpt) else []
    if not files:
        return None
    with open(os.path.join(ckpt, files[-1]), "rb") as f:
        header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
    total = 0
    for name, t in header.items():
        if name != "__metadata__":
            n = 1
            for d in t["shape"]:
                n *= d
            total += n
    return total


def read(r):
    db = sqlite3.connect(f"file:{os.path.join(r['run_dir'], 'run.db')}?mode=ro", uri=True)
    names = [n for (n,) in db.execute("select name from metric_names")]
    task = r["task"]
    row = dict(task=task, op=r.get("op") or task, seed=r["seed"], wd=r["weight_decay"], grok=r["grok_step"],
               steps=r["steps"], params=parameter_count(r["run_dir"]), run_dir=r["run_dir"])
    acc = series(db, "eval/test_acc")
    row["last_step"] = acc[-1][0] if acc else None
    row["test_acc_end"] = acc[-1][1] if acc else None
    row["series"] = {n: series(db, n) for n in names
                     if n.startswith(("attn_op/", "spectral/k_star", "spectral/gap_ratio")) or n.endswith("/ratio12")}
    row["events"] = {k: events(db, k) for k in ("gap_opened", "gap_collapsed", "k_star_shift")}
    return row


def derive(row, ref):
    s = row["series"]
    row["ref"] = ref
    blocks = sorted({n.split("/")[1] for n in s if n.startswith("attn_op/")})
    row["blocks"] = {}
    for b in blocks:
        sig = [s.get(f"attn_op/{b}/sigma_{j}", []) for j in range(1, 5)]
        ks = weight_kstar(sig)
        op12 = s.get(f"attn_op/{b}/ratio12", [])
        third = dict(sig[2])
        g23 = [(st, v2 * v2 - third[st] ** 2) for st, v2 in sig[1] if st in third]
        g_before = [v for st, v in g23 if st <= ref]
        drops = [b2 < a2 for a2, b2 in zip(g_before, g_before[1:])]
        q = s.get(f"weights/{b.replace('.attn', '')}.attn.q_proj.weight/ratio12", [])
        row["blocks"][b] = dict(
            op12_first=op12[0][1] if op12 else None, op12_ref=at(op12, ref), op12_end=op12[-1][1] if op12 else None,
            k_first=ks[0][1] if ks else None, k_ref=at(ks, ref), k_end=ks[-1][1] if ks else None,
            k_one_from=stays_one_from(ks, ref),
            g23_first=g23[0][1] if g23 else None, g23_ref=at(g23, ref),
            g23_monotone=(sum(drops) / len(drops)) if drops else None,
            q_ref=at(q, ref), q_max_after=max((v for st, v in q if st >= ref), default=None),
            q_end=q[-1][1] if q else None, q_opened=q_gap_opened(q))
        blk = row["blocks"][b]
        blk["migrated"] = blk["k_first"] in (2, 3) and blk["k_ref"] == 1
        blk["g23_closed"] = (blk["g23_first"] is not None and blk["g23_ref"] is not None and blk["g23_first"] > 0
                             and blk["g23_ref"] <= 0.5 * blk["g23_first"])
    gk = s.get("spectral/k_star", [])
    row["gram_k_first"] = gk[0][1] if gk else None
    row["gram_k_ref"] = at(gk, ref)
    row["gram_window_from"] = gk[0][0] if gk else None
    for kind in ("gap_opened", "gap_collapsed"):
        row[f"{kind}_in_window"] = any(ref - WINDOW <= e <= ref for e in row["events"][kind])
    row["weights_ref"] = {n.split("/")[1]: at(v, ref) for n, v in s.items() if n.startswith("weights/")}
    row["weights_end"] = {n.split("/")[1]: v[-1][1] for n, v in s.items() if n.startswith("weights/") and v}
    row["weights_first"] = {n.split("/")[1]: v[0][1] for n, v in s.items() if n.startswith("weights/") and v}


def load(out):
    """(init, runs): each seed's operator at step 1 from the init runs, and every other run read and derived."""
    runs = [read(json.loads(line)) for line in open(os.path.join(out, "results.jsonl")) if line.strip()]
    return split_and_derive(runs)


def split_and_derive(runs):
    """The init runs apart (one step, evaluated at step 1); every other run derived at its reference step."""
    init = {}
    for r in [r for r in runs if os.path.basename(r["run_dir"]).startswith("init-")]:
        sig = [r["series"].get(f"attn_op/{L0}/sigma_{j}", []) for j in range(1, 5)]
        ks = weight_kstar(sig)
        init[r["seed"]] = dict(k=ks[0][1] if ks else None,
                               op12=sig[0][0][1] / sig[1][0][1] if sig[0] and sig[1] else None,
                               ratios=[sig[j][0][1] / sig[j + 1][0][1] for j in range(3)] if all(sig) else None)
    runs = [r for r in runs if not os.path.basename(r["run_dir"]).startswith("init-")]
    grok_of = {(r["task"], r["op"], r["seed"]): r["grok"] for r in runs if r["wd"] > 0 and r["grok"] is not None}
    for r in runs:
        if r["grok"] is not None:
            derive(r, r["grok"])
        else:
            matched = grok_of.get((r["task"], r["op"], r["seed"]))
            derive(r, matched if matched is not None and matched <= r["last_step"] else r["last_step"])
    runs.sort(key=lambda x: (x["task"] != "modular", -x["wd"], ORDER.get(x["op"], 9), x["seed"]))
    return init, runs


def rng(vals, f="{:.3g}"):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "—"
    lo, hi = min(vals), max(vals)
    return f.format(lo) if f.format(lo) == f.format(hi) else f"{f.format(lo)}–{f.format(hi)}"


def print_tables(init, mod, dyck):
    """The markdown tables."""
    if init:
        print("\n### Modular, the seed's 1-layer model at initialisation (step 1)\n")
        print("| seed | M σ₁/σ₂, σ₂/σ₃, σ₃/σ₄ | weight k* |")
        print("|---|---|---|")
        for seed in sorted(init):
            i = init[seed]
            print(f"| {seed} | {', '.join(fmt(v) for v in i['ratios']) if i['ratios'] else '—'} | {fmt(i['k'], '{}')} |")

    if mod:
        print("\n### Modular, the seed's 1-layer model: attention operator W_Qᵀ W_K and the Gram window\n")
        print("Reference step: the grok step, or for a run that did not grok the grok step of its weight-decay twin "
              "(same op and seed), else its last evaluation.\n")
        print("| op | seed | wd | grok step | ref | test acc end | M σ₁/σ₂ first → ref → end | weight k* first → ref → end | "
              "k* = 1 from | g₂₃ first → ref | g₂₃ closed (≤ ½) | g₂₃ falls (share of steps) | Gram k* first → ref | "
              "Gram gap_opened / gap_collapsed in window |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for x in mod:
            b = x["blocks"].get(L0, {})
            print(f"| {x['op']} | {x['seed']} | {x['wd']:g} | {fmt(x['grok'], '{}')} | {x['ref']} | {fmt(x['test_acc_end'])} | "
                  f"{fmt(b.get('op12_first'))} → {fmt(b.get('op12_ref'))} → {fmt(b.get('op12_end'))} | "
                  f"{fmt(b.get('k_first'), '{}')} → {fmt(b.get('k_ref'), '{}')} → {fmt(b.get('k_end'), '{}')} | "
                  f"{fmt(b.get('k_one_from'), '{}')} | {fmt(b.get('g23_first'))} → {fmt(b.get('g23_ref'))} | "
                  f"{'yes' if b.get('g23_closed') else 'no'} | {fmt(b.get('g23_monotone'), '{:.0%}')} | "
                  f"{fmt(x['gram_k_first'], '{:.0f}')} → {fmt(x['gram_k_ref'], '{:.0f}')} | "
                  f"{'yes' if x['gap_opened_in_window'] else 'no'} / {'yes' if x['gap_collapsed_in_window'] else 'no'} |")

        print("\n### Modular: σ₁/σ₂ of every weight matrix, at ref / at the end\n")
        weights = sorted({w for x in mod for w in x["weights_ref"]})
        label = lambda x: f"{x['op']} s{x['seed']} wd {x['wd']:g}"  # noqa: E731
        print("| weight | first evaluation, all runs | " + " | ".join(label(x) for x in mod) + " |")
        print("|---|---|" + "---|" * len(mod))
        for w in weights:
            cells = [f"{fmt(x['weights_ref'].get(w))} / {fmt(x['weights_end'].get(w))}" for x in mod]
            print(f"| {w} | {rng([x['weights_first'].get(w) for x in mod])} | " + " | ".join(cells) + " |")
        cells = [f"{fmt(x['blocks'][L0]['op12_ref'])} / {fmt(x['blocks'][L0]['op12_end'])}" for x in mod]
        print(f"| attention operator W_Qᵀ W_K | {rng([x['blocks'][L0]['op12_first'] for x in mod])} | " + " | ".join(cells) + " |")

    if dyck:
        print("\n### Dyck-1 at ≈ 150K parameters: query projections\n")
        blocks = sorted({b for x in dyck for b in x["blocks"]})
        head = " | ".join(f"{b.split('.')[1]}: W_Q σ₁/σ₂ at ref, max after, end | {b.split('.')[1]}: W_Q gap opened (> 1.5)"
                          for b in blocks)
        print(f"| seed | wd | params | grok step | ref | test acc end | {head} | M σ₁/σ₂ layer 0 first → ref → end | Gram k* first → ref |")
        print("|---|---|---|---|---|---|" + "---|---|" * len(blocks) + "---|---|")
        for x in dyck:
            cells = " | ".join(f"{fmt(x['blocks'][b]['q_ref'])}, {fmt(x['blocks'][b]['q_max_after'])}, {fmt(x['blocks'][b]['q_end'])}"
                               f" | {fmt(x['blocks'][b]['q_opened'], '{}')}" for b in blocks)
            b0 = x["blocks"].get(L0, {})
            print(f"| {x['seed']} | {x['wd']:g} | {fmt(x['params'], '{}')} | {fmt(x['grok'], '{}')} | {x['ref']} | {fmt(x['test_acc_end'])} | {cells} | "
                  f"{fmt(b0.get('op12_first'))} → {fmt(b0.get('op12_ref'))} → {fmt(b0.get('op12_end'))} | "
                  f"{fmt(x['gram_k_first'], '{:.0f}')} → {fmt(x['gram_k_ref'], '{:.0f}')} |")


def score(rs, label):
    wd1 = [x for x in rs if x["wd"] > 0]
    wd0 = [x for x in rs if x["wd"] == 0]
    g1 = [x for x in wd1 if x["grok"] is not None]
    c0 = [x for x in wd0 if x["grok"] is None]
    n = lambda xs, f: f"{sum(1 for x in xs if f(x))}/{len(xs)}"  # noqa: E731
    b = lambda x: x["blocks"].get(L0, {})  # noqa: E731
    print(f"\n**{label}, scored.** grokked with weight decay {n(wd1, lambda x: x['grok'] is not None)}, without "
          f"{n(wd0, lambda x: x['grok'] is not None)}; grok steps with weight decay "
          + ", ".join(f"{op} {rng([x['grok'] for x in g1 if x['op'] == op], '{:.0f}')}" for op in sorted({x['op'] for x in g1}, key=lambda o: ORDER.get(o, 9)))
          + (f"; without: " + ", ".join(f"{x['op']} s{x['seed']} {x['grok']}" for x in wd0 if x["grok"] is not None) if any(x["grok"] is not None for x in wd0) else "")
          + ".")
    if label.startswith("Modular"):
        print(f"Weight k* migrates 2–3 → 1 by the grok step: {n(g1, lambda x: b(x).get('migrated'))} grokking runs "
              f"(weight k* at the first evaluation: {', '.join(str(b(x).get('k_first')) for x in g1)}; at grok: "
              f"{', '.join(str(b(x).get('k_ref')) for x in g1)}); controls at the matched step {n(c0, lambda x: b(x).get('migrated'))}. "
              f"Gram k* = 1 at the grok step: {n(g1, lambda x: x['gram_k_ref'] == 1)} (Gram k* at grok: "
              f"{', '.join(fmt(x['gram_k_ref'], '{:.0f}') for x in g1)}).")
        print(f"g₂₃ of the operator closes (≤ ½ of its first reading) by the grok step: {n(g1, lambda x: b(x).get('g23_closed'))}; "
              f"controls by the matched step {n(c0, lambda x: b(x).get('g23_closed'))}. "
              f"Gram gap_opened in [g − {WINDOW}, g]: {n(g1, lambda x: x['gap_opened_in_window'])}, controls (matched window) "
              f"{n(c0, lambda x: x['gap_opened_in_window'])}; gap_collapsed {n(g1, lambda x: x['gap_collapsed_in_window'])} and "
              f"{n(c0, lambda x: x['gap_collapsed_in_window'])}.")
        ratios = [b(x).get("op12_ref") for x in g1]
        print(f"Operator σ₁/σ₂ at the grok step {rng(ratios)} (median {fmt(statistics.median([v for v in ratios if v]) if any(ratios) else None)}); "
              f"controls at the matched step {rng([b(x).get('op12_ref') for x in c0])}.")
    else:
        print(f"W_Q (layer 0) σ₁/σ₂ at the grok step {rng([b(x).get('q_ref') for x in g1])}, max after {rng([b(x).get('q_max_after') for x in g1])}; "
              f"controls at the matched step {rng([b(x).get('q_ref') for x in c0])}, max {rng([b(x).get('q_max_after') for x in c0])}.")


def main(argv):
    args = list(argv)
    json_out = None
    if "--json" in args:
        i = args.index("--json")
        json_out = args[i + 1]
        del args[i:i + 2]
    init, runs = load(args[0] if args else "runs/test7")
    mod = [r for r in runs if r["task"] == "modular"]
    dyck = [r for r in runs if r["task"] == "dyck"]
    print_tables(init, mod, dyck)
    if mod:
        score(mod, "Modular, seed's 1-layer model")
    if dyck:
        score(dyck, "Dyck-1, ≈ 150K parameters")

    if json_out:
        keep = [{k: v for k, v in x.items() if k not in ("series", "weights_first", "weights_ref", "weights_end")}
                | {"weights_ratio12": {w: [x["weights_first"].get(w), x["weights_ref"].get(w), x["weights_end"].get(w)]
                                       for w in x["weights_ref"]}} for x in runs]
        with open(json_out, "w") as f:
            json.dump(keep, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
