"""Tables and figures of seed 003 §9 measured (docs/CONSOLIDATION.md, "§9 measured").

python3 docs/scripts/consolidation9-tables.py dimension RUNS_DIR OUT_DIR   # consolidation9-dimension.sh's runs
python3 docs/scripts/consolidation9-tables.py eos RUNS_DIR OUT_DIR         # consolidation9-eos.sh's runs
python3 docs/scripts/consolidation9-tables.py lottery RUNS_DIR OUT_DIR     # consolidation9-lottery.sh's runs
python3 docs/scripts/consolidation9-tables.py dd RUNS_DIR OUT_DIR          # consolidation9-double-descent.sh's runs

Writes Markdown tables (stdout and OUT_DIR/*.md), CSV series and one SVG figure per experiment; standard library only.
Runs may sit in RUNS_DIR/NAME or one folder below (RUNS_DIR/seedN/NAME): the lottery and double-descent tables give one
row per arm and sparsity, or per width, with the mean over seeds and, in brackets, the smallest and largest seed's value.
"""
import csv
import json
import math
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
from rundb import series, at  # noqa: E402


def mean(values):
    values = [v for v in values if v is not None and math.isfinite(v)]
    return sum(values) / len(values) if values else float("nan")


def within(s, lo, hi):
    return [v for st, v in s if lo <= st < hi]


def fmt(v, digits=3):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, int):
        return str(v)
    return f"{v:.{digits}g}"


def svg(path, title, panels, width=720, height=260):
    """panels: [(y label, log_y, [(label, colour, [(x, y)])])], one row each."""
    rows = len(panels)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height * rows + 30}" font-family="sans-serif" font-size="11">',
           f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13">{title}</text>']
    for r, (ylabel, logy, lines) in enumerate(panels):
        top, left, w, h = 30 + r * height, 60, width - 200, height - 50
        pts = [(x, y) for _, _, s in lines for x, y in s if y is not None and math.isfinite(y) and (y > 0 or not logy)]
        if not pts:
            continue
        f = (lambda y: math.log10(y)) if logy else (lambda y: y)
        x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
        y0, y1 = min(f(p[1]) for p in pts), max(f(p[1]) for p in pts)
        if y1 == y0:
            y1 = y0 + 1
        if x1 == x0:
            x1 = x0 + 1
        X = lambda x: left + (x - x0) / (x1 - x0) * w  # noqa: E731
        Y = lambda y: top + h - (f(y) - y0) / (y1 - y0) * h  # noqa: E731
        out.append(f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="none" stroke="#999"/>')
        out.append(f'<text x="12" y="{top + h / 2}" transform="rotate(-90 12 {top + h / 2})" text-anchor="middle">{ylabel}{" (log)" if logy else ""}</text>')
        for v in (y0, y1):
            out.append(f'<text x="{left - 4}" y="{top + h - (v - y0) / (y1 - y0) * h + 4}" text-anchor="end">{fmt(10 ** v if logy else v)}</text>')
        for v in (x0, x1):
            out.append(f'<text x="{X(v)}" y="{top + h + 14}" text-anchor="middle">{fmt(v, 4)}</text>')
        for i, (label, colour, s) in enumerate(lines):
            s = [(x, y) for x, y in s if y is not None and math.isfinite(y) and (y > 0 or not logy)]
            if s:
                d = " ".join(f"{'M' if j == 0 else 'L'}{X(x):.1f},{Y(y):.1f}" for j, (x, y) in enumerate(s))
                dash = ' stroke-dasharray="4 3"' if label.startswith(("2/η", "threshold")) or label.endswith((" min", " max")) else ""
                out.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.5"{dash}/>')
            out.append(f'<text x="{left + w + 10}" y="{top + 14 + 14 * i}" fill="{colour}">{label}</text>')
    out.append("</svg>")
    with open(path, "w") as fh:
        fh.write("\n".join(out))


COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def runs(root, unfinished=False):
    """(name, connection) of each finished run under root or one folder below it (OUT/seedN/NAME), named by its path from
    root (with unfinished: also runs still going or stopped)."""
    for entry in sorted(os.listdir(root)):
        here = os.path.join(root, entry)
        if not os.path.isdir(here):
            continue
        if os.path.isfile(os.path.join(here, "run.db")):
            names = [entry]
        else:
            names = [os.path.join(entry, sub) for sub in sorted(os.listdir(here)) if os.path.isfile(os.path.join(here, sub, "run.db"))]
        for name in names:
            if unfinished or os.path.isfile(os.path.join(root, name, "report.html")):
                yield name, sqlite3.connect(f"file:{os.path.join(root, name, 'run.db')}?mode=ro", uri=True)


def summary_of(root, name):
    """The last line of the run's --json output (NAME.json beside its folder), parsed."""
    with open(os.path.join(root, name + ".json")) as fh:
        return json.loads(fh.read().strip().splitlines()[-1])


def config_of(db):
    return dict(db.execute("select key, value from config").fetchall())


def spread(values):
    """(mean, min, max, n) of the finite values; (NaN, NaN, NaN, 0) when there are none."""
    values = [v for v in values if v is not None and math.isfinite(v)]
    if not values:
        return float("nan"), float("nan"), float("nan"), 0
    return sum(values) / len(values), min(values), max(values), len(values)


def fmt_spread(values, digits=3):
    """'mean (min … max)' over seeds, one value (or equal ones) as itself, '–' for none; ', n of N' when only n of the N
    seeds have one."""
    m, lo, hi, n = spread(values)
    if n == 0:
        return "–"
    text = fmt(m, digits) if fmt(lo, digits) == fmt(hi, digits) else f"{fmt(m, digits)} ({fmt(lo, digits)} … {fmt(hi, digits)})"
    return text if n == len(values) else f"{text}, {n} of {len(values)}"


def grouped(rows, key):
    """[(key, [rows with that key])], keys sorted."""
    out = {}
    for r in rows:
        out.setdefault(key(r), []).append(r)
    return sorted(out.items())


def dimension(root, out):
    head = ("| run | grok step (test acc ≥ 0.95) | largest test-acc jump between evaluations (steps) | deciding C_α < 1 → ≥ 1 crossings (smoothed over 5) "
            "| spectral PR (W = 10) mean 0–500 / [grok−500, grok) / (grok, grok+500] | gradient PR (k = 8) same windows | Hill α̂ same windows | d_H |")
    lines = [head, "|" + "---|" * 8]
    detail = []
    panels = {"test accuracy": [], "spectral PR": [], "gradient PR": [], "α̂": [], "C_α": []}
    for i, (name, db) in enumerate(runs(root, unfinished=True)):
        acc = series(db, "eval/test_acc")
        if not os.path.isfile(os.path.join(root, name, "report.html")):
            name += f" (stopped at step {max(st for st, _ in series(db, 'loss'))})"
        grok = next((st for st, v in acc if v >= 0.95), None)
        jumps = [(acc[j][1] - acc[j - 1][1], acc[j - 1][0], acc[j][0]) for j in range(1, len(acc))]
        jump = max(jumps) if jumps else None
        c = series(db, "consolidation/c_alpha_step_unbiased")
        crossings, window = [], []
        above = None
        for st, v in c:
            window = (window + [v])[-5:]
            m = sum(window) / len(window)
            now = m >= 1
            if above is not None and now and not above:
                crossings.append(st)
            above = now
        spr = series(db, "spectral/participation_ratio")
        gpr = series(db, "consolidation/participation_ratio")
        alpha = series(db, "consolidation/tail_index")
        dh = series(db, "consolidation/d_h")
        g = grok or 10 ** 9
        wins = [(0, 500), (g - 500, g), (g + 1, g + 501)]
        trip = lambda s: " / ".join(fmt(mean(within(s, lo, hi))) for lo, hi in wins)  # noqa: E731
        lines.append(f"| {name} | {fmt(grok)} | {f'{fmt(jump[0])} ({jump[1]}→{jump[2]})' if jump else '–'} | {', '.join(map(str, crossings)) or '–'} "
                     f"| {trip(spr)} | {trip(gpr)} | {trip(alpha)} | {fmt(min(v for _, v in dh)) if dh else '–'}–{fmt(max(v for _, v in dh)) if dh else '–'} |")
        last = max((st for st, _ in series(db, 'loss')), default=0)
        for st in range(100, last + 1, 100):
            detail.append([name, st, at(acc, st), at(spr, st), at(gpr, st), at(alpha, st), at(c, st), at(series(db, "consolidation/p_step_unbiased"), st)])
        col = COLOURS[i % len(COLOURS)]
        panels["test accuracy"].append((name, col, acc))
        panels["spectral PR"].append((name, col, spr))
        panels["gradient PR"].append((name, col, gpr))
        panels["α̂"].append((name, col, alpha))
        panels["C_α"].append((name, col, c))
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(out, "dimension.md"), "w") as fh:
        fh.write(table + "\n")
    with open(os.path.join(out, "dimension-every-100.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["run", "step", "test_acc", "spectral_pr", "gradient_pr", "hill_alpha", "c_alpha_step_unbiased", "p_step_unbiased"])
        w.writerows(detail)
    svg(os.path.join(out, "dimension.svg"), "Effective dimension against step (modular addition, wd 1.0)",
        [("test acc", False, panels["test accuracy"]), ("PR of update window", False, panels["spectral PR"]),
         ("PR of gradient Σ̂", False, panels["gradient PR"]), ("Hill α̂", False, panels["α̂"]), ("C_α (deciding)", True, panels["C_α"])])


def sharpness_of(db, cfg):
    """(which λ, [(step, λ)], [(step, threshold)]): λ_max(P⁻¹H) against AdamW's threshold c₁(2 + 2β₁)(2 − ηw)/(2(1 − β₁)η)
    at each measurement for an AdamW run with the stability probe; λ_max(H) against 2/η otherwise."""
    if cfg.get("optimizer") == "adamw":
        lam = series(db, "stability/preconditioned_lambda_max")
        return "P⁻¹H", lam, series(db, "stability/threshold")
    lam = series(db, "curvature/lambda_max")
    two = 2 / float(cfg["lr"])
    return "H", lam, [(st, two) for st, _ in lam]


def eos(root, out):
    head = ("| run | λ of | threshold (2/η; AdamW: at the end) | λ_max at the first measurement / max (step) / at the end | measurements at the edge, λ_max ≥ 0.9·threshold (steps) "
            "| min S = threshold − λ_max | max λ_max / threshold (step) | p (deciding) at the edge / last 500 | micro-batch p at the edge | spectral PR at the edge / last 500 "
            "| gradient PR at the edge | Hill α̂ at the edge | final train loss / acc | test acc |")
    lines = [head, "|" + "---|" * 14]
    sharp, ratios, prs = [], [], []
    for i, (name, db) in enumerate(runs(root)):
        cfg = config_of(db)
        which, lam, thr = sharpness_of(db, cfg)
        threshold = dict(thr)
        steps = max((st for st, _ in series(db, "loss")), default=0)
        peak = max(lam, key=lambda q: q[1]) if lam else (None, None)
        ratio = [(st, v / threshold[st]) for st, v in lam if st in threshold]
        edge = [st for st, r in ratio if r >= 0.9]
        top = max(ratio, key=lambda q: q[1]) if ratio else (None, None)
        p = series(db, "consolidation/p_step_unbiased")
        pm = series(db, "consolidation/p_unbiased")
        spr = series(db, "spectral/participation_ratio")
        gpr = series(db, "consolidation/participation_ratio")
        alpha = series(db, "consolidation/tail_index")
        at_edge = lambda s: mean([at(s, st) for st in edge])  # noqa: E731
        summary = summary_of(root, name)
        span = f"{len(edge)} ({edge[0]}–{edge[-1]})" if edge else "0"
        margin = min((threshold[st] - v for st, v in lam if st in threshold), default=None)
        lines.append(f"| {name} | {which} | {fmt(thr[-1][1]) if thr else '–'} | {fmt(lam[0][1]) if lam else '–'} / {fmt(peak[1])} ({peak[0]}) / {fmt(lam[-1][1]) if lam else '–'} "
                     f"| {span} | {fmt(margin)} | {fmt(top[1])} ({fmt(top[0])}) | {fmt(at_edge(p))} / {fmt(mean(within(p, steps - 500, steps + 1)))} "
                     f"| {fmt(at_edge(pm))} | {fmt(at_edge(spr))} / {fmt(mean(within(spr, steps - 500, steps + 1)))} | {fmt(at_edge(gpr))} | {fmt(at_edge(alpha))} "
                     f"| {fmt(summary.get('train_loss'))} / {fmt(summary.get('train_acc'))} | {fmt(summary.get('test_acc'))} |")
        col = COLOURS[i % len(COLOURS)]
        sharp.append((f"λ_max({which}) {name}", col, lam))
        sharp.append((f"threshold {name}", col, thr))
        ratios.append((name, col, ratio))
        prs.append((name, col, p))
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(out, "eos.md"), "w") as fh:
        fh.write(table + "\n")
    svg(os.path.join(out, "eos.svg"), "λ_max against its threshold over training (LeNet-300-100, 1,000 MNIST images)",
        [("λ_max, threshold", True, sharp), ("λ_max / threshold", True, ratios), ("p (deciding)", False, prs)], height=320)


MATCHED_LOSS = 0.2


def lottery_runs(root):
    """One row per finished lottery run: seed, arm, sparsity, its final evaluation, p and C_α (deciding) averaged over
    training and p at the first evaluation whose training loss is at most MATCHED_LOSS (± 100 steps)."""
    rows = []
    for name, db in runs(root):
        cfg = config_of(db)
        p = series(db, "consolidation/p_step_unbiased")
        c = series(db, "consolidation/c_alpha_step_unbiased")
        matched = next((st for st, v in series(db, "eval/train_loss") if v <= MATCHED_LOSS), None)
        summary = summary_of(root, name)
        rows.append({
            "name": name, "seed": int(cfg["seed"]), "arm": cfg.get("arm") or "dense", "sparsity": float(cfg.get("sparsity", "0")),
            "test_acc": summary.get("test_acc"), "train_loss": summary.get("train_loss"), "p_mean": mean([v for _, v in p]),
            "p_matched": mean(within(p, matched - 100, matched + 101)) if matched else None, "matched": matched, "c_mean": mean([v for _, v in c]),
        })
    dense = {r["seed"]: r["c_mean"] for r in rows if r["arm"] == "dense"}
    for r in rows:
        r["c_ratio"] = r["c_mean"] / dense[r["seed"]] if dense.get(r["seed"]) else None
    return rows


def lottery(root, out):
    rows = lottery_runs(root)
    head = (f"| arm | sparsity | seeds | final test acc | final train loss | p (deciding) mean over training | p at matched train loss {MATCHED_LOSS} "
            f"| step train loss ≤ {MATCHED_LOSS} | C_α (deciding) mean over training | C_α mean ÷ the same seed's dense run's |")
    lines = [head, "|" + "---|" * 10]
    by_arm = {}
    for (sp, arm), rs in grouped(rows, lambda r: (r["sparsity"], r["arm"])):
        lines.append(f"| {arm} | {sp:g} | {', '.join(str(r['seed']) for r in sorted(rs, key=lambda r: r['seed']))} | {fmt_spread([r['test_acc'] for r in rs])} "
                     f"| {fmt_spread([r['train_loss'] for r in rs])} | {fmt_spread([r['p_mean'] for r in rs])} | {fmt_spread([r['p_matched'] for r in rs])} "
                     f"| {fmt_spread([r['matched'] for r in rs])} | {fmt_spread([r['c_mean'] for r in rs])} | {fmt_spread([r['c_ratio'] for r in rs])} |")
        by_arm.setdefault(arm, []).append((sp, spread([r["p_mean"] for r in rs])))
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(out, "lottery.md"), "w") as fh:
        fh.write(table + "\n")
    write_rows(os.path.join(out, "lottery-runs.csv"), rows)
    dense = by_arm.get("dense", [])
    panel = []
    for i, (arm, pts) in enumerate(sorted(by_arm.items())):
        if arm == "dense":
            continue
        pts = sorted(dense + pts)
        panel.append((f"{arm} mean", COLOURS[i], [(sp, m) for sp, (m, _, _, _) in pts]))
        panel.append((f"{arm} min", COLOURS[i], [(sp, lo) for sp, (_, lo, _, _) in pts]))
        panel.append((f"{arm} max", COLOURS[i], [(sp, hi) for sp, (_, _, hi, _) in pts]))
    svg(os.path.join(out, "lottery.svg"), "p (mean over training) against sparsity, three arms, mean and range over seeds (LeNet-300-100, 5,000 MNIST images)",
        [("p (deciding)", False, panel)])


def write_rows(path, rows):
    """The per-run rows behind a table, as CSV."""
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()) if rows else ["name"])
        w.writeheader()
        w.writerows(rows)


DD_MATCHED_LOSS = 1.0


def dd_runs(root):
    """One row per finished width run: seed, width, parameters, final train accuracy and test error, p (deciding) averaged
    over training and over the last 500 steps, p and C_α at the first evaluation whose training loss is at most
    DD_MATCHED_LOSS (± 100 steps), C_α averaged over training."""
    rows = []
    for name, db in runs(root):
        cfg = config_of(db)
        p = series(db, "consolidation/p_step_unbiased")
        c = series(db, "consolidation/c_alpha_step_unbiased")
        steps = max((st for st, _ in p), default=0)
        matched = next((st for st, v in series(db, "eval/train_loss") if v <= DD_MATCHED_LOSS), None)
        win = lambda s: mean(within(s, matched - 100, matched + 101)) if matched else None  # noqa: E731
        summary = summary_of(root, name)
        rows.append({
            "name": name, "seed": int(cfg["seed"]), "width": int(cfg["hidden"]), "parameters": summary["parameters"], "train_acc": summary.get("train_acc"),
            "test_error": 1 - summary["test_acc"], "p_mean": mean([v for _, v in p]), "p_last500": mean(within(p, steps - 500, steps + 1)),
            "p_matched": win(p), "matched": matched, "c_mean": mean([v for _, v in c]), "c_matched": win(c),
        })
    return rows


def double_descent(root, out):
    rows = dd_runs(root)
    head = (f"| width | parameters | seeds | final train acc (noisy labels) | final test error | p (deciding) mean over training | p last 500 steps "
            f"| p at matched train loss {DD_MATCHED_LOSS} | step train loss ≤ {DD_MATCHED_LOSS} | C_α (deciding) mean over training | C_α at matched loss |")
    lines = [head, "|" + "---|" * 11]
    points = []
    for w, rs in grouped(rows, lambda r: r["width"]):
        col = lambda k: [r[k] for r in rs]  # noqa: E731
        lines.append(f"| {w} | {rs[0]['parameters']} | {', '.join(str(r['seed']) for r in sorted(rs, key=lambda r: r['seed']))} | {fmt_spread(col('train_acc'))} "
                     f"| {fmt_spread(col('test_error'))} | {fmt_spread(col('p_mean'))} | {fmt_spread(col('p_last500'))} | {fmt_spread(col('p_matched'))} "
                     f"| {fmt_spread(col('matched'))} | {fmt_spread(col('c_mean'))} | {fmt_spread(col('c_matched'))} |")
        points.append((math.log2(w), spread(col("test_error")), spread(col("p_mean")), spread(col("p_matched"))))
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(out, "double-descent.md"), "w") as fh:
        fh.write(table + "\n")
    write_rows(os.path.join(out, "double-descent-runs.csv"), rows)

    def band(label, colour, k):
        return [(f"{label} mean", colour, [(q[0], q[1 + k][0]) for q in points]),
                (f"{label} min", colour, [(q[0], q[1 + k][1]) for q in points]),
                (f"{label} max", colour, [(q[0], q[1 + k][2]) for q in points])]
    svg(os.path.join(out, "double-descent.svg"), "Test error and p against log₂ width, mean and range over seeds (784-W-10, 4,000 MNIST images, 20 % noisy labels)",
        [("test error", False, band("test error", COLOURS[1], 0)),
         ("p (deciding)", False, band("p mean over training", COLOURS[0], 1) + band(f"p at train loss {DD_MATCHED_LOSS}", COLOURS[2], 2))])


if __name__ == "__main__":
    mode, root, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    {"dimension": dimension, "eos": eos, "lottery": lottery, "dd": double_descent}[mode](root, out)
