"""Tables and figures of seed 003 §9 measured (docs/CONSOLIDATION.md, "§9 measured").

python3 docs/scripts/consolidation9-tables.py dimension RUNS_DIR OUT_DIR   # consolidation9-dimension.sh's runs
python3 docs/scripts/consolidation9-tables.py eos RUNS_DIR OUT_DIR         # consolidation9-eos.sh's runs
python3 docs/scripts/consolidation9-tables.py lottery RUNS_DIR OUT_DIR     # consolidation9-lottery.sh's runs
python3 docs/scripts/consolidation9-tables.py dd RUNS_DIR OUT_DIR          # consolidation9-double-descent.sh's runs

Writes Markdown tables (stdout and OUT_DIR/*.md), CSV series and one SVG figure per experiment; standard library only.
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
                dash = ' stroke-dasharray="4 3"' if label.startswith("2/η") else ""
                out.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.5"{dash}/>')
            out.append(f'<text x="{left + w + 10}" y="{top + 14 + 14 * i}" fill="{colour}">{label}</text>')
    out.append("</svg>")
    with open(path, "w") as fh:
        fh.write("\n".join(out))


COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def runs(root, unfinished=False):
    """(name, connection) of each finished run under root (with unfinished: also runs still going or stopped)."""
    for name in sorted(os.listdir(root)):
        db = os.path.join(root, name, "run.db")
        if os.path.isfile(db) and (unfinished or os.path.isfile(os.path.join(root, name, "report.html"))):
            yield name, sqlite3.connect(f"file:{db}?mode=ro", uri=True)


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


def eos(root, out):
    head = ("| run | 2/η | λ_max at step 25 / max (step) / at the end | measurements at the edge, λ_max ≥ 0.9·2/η (steps) | min S = 2/η − λ_max "
            "| p (deciding) at the edge / last 500 | micro-batch p at the edge | spectral PR at the edge / last 500 | gradient PR at the edge | Hill α̂ at the edge "
            "| final train loss / acc | test acc |")
    lines = [head, "|" + "---|" * 12]
    sharp, prs = [], []
    for i, (name, db) in enumerate(runs(root)):
        cfg = dict(db.execute("select key, value from config").fetchall())
        two = 2 / float(cfg["lr"])
        lam = series(db, "curvature/lambda_max")
        steps = max((st for st, _ in lam), default=0)
        peak = max(lam, key=lambda q: q[1]) if lam else (None, None)
        edge = [st for st, v in lam if v >= 0.9 * two]
        p = series(db, "consolidation/p_step_unbiased")
        pm = series(db, "consolidation/p_unbiased")
        spr = series(db, "spectral/participation_ratio")
        gpr = series(db, "consolidation/participation_ratio")
        alpha = series(db, "consolidation/tail_index")
        at_edge = lambda s: mean([at(s, st) for st in edge])  # noqa: E731
        with open(os.path.join(root, name + ".json")) as fh:
            summary = json.loads(fh.read().strip().splitlines()[-1])
        span = f"{len(edge)} ({edge[0]}–{edge[-1]})" if edge else "0"
        lines.append(f"| {name} | {fmt(two)} | {fmt(lam[0][1]) if lam else '–'} / {fmt(peak[1])} ({peak[0]}) / {fmt(lam[-1][1]) if lam else '–'} | {span} "
                     f"| {fmt(min(two - v for _, v in lam)) if lam else '–'} | {fmt(at_edge(p))} / {fmt(mean(within(p, steps - 500, steps + 1)))} | {fmt(at_edge(pm))} "
                     f"| {fmt(at_edge(spr))} / {fmt(mean(within(spr, steps - 500, steps + 1)))} | {fmt(at_edge(gpr))} | {fmt(at_edge(alpha))} "
                     f"| {fmt(summary.get('train_loss'))} / {fmt(summary.get('train_acc'))} | {fmt(summary.get('test_acc'))} |")
        col = COLOURS[i % len(COLOURS)]
        sharp.append((f"λ_max {name}", col, lam))
        sharp.append((f"2/η {name}", col, [(st, two) for st, _ in lam]))
        prs.append((name, col, p))
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(out, "eos.md"), "w") as fh:
        fh.write(table + "\n")
    svg(os.path.join(out, "eos.svg"), "λ_max against 2/η over training (LeNet-300-100, 1,000 MNIST images)",
        [("λ_max, 2/η", True, sharp), ("p (deciding)", False, prs)], height=320)


MATCHED_LOSS = 0.2


def lottery(root, out):
    head = (f"| run | arm | sparsity | final test acc | final train loss | p (deciding) mean over training | p at matched train loss {MATCHED_LOSS} (step) "
            "| C_α (deciding) mean over training | C_α mean ÷ the dense run's |")
    lines = [head, "|" + "---|" * 9]
    rows, dense_c = [], None
    arms = {}
    for name, db in runs(root):
        cfg = dict(db.execute("select key, value from config").fetchall())
        p = series(db, "consolidation/p_step_unbiased")
        c = series(db, "consolidation/c_alpha_step_unbiased")
        loss = series(db, "eval/train_loss")
        matched = next((st for st, v in loss if v <= MATCHED_LOSS), None)
        p_matched = mean(within(p, matched - 100, matched + 101)) if matched else float("nan")
        with open(os.path.join(root, name + ".json")) as fh:
            summary = json.loads(fh.read().strip().splitlines()[-1])
        arm = cfg.get("arm") or "dense"
        sp = float(cfg.get("sparsity", "0"))
        c_mean = mean([v for _, v in c])
        if arm == "dense":
            dense_c = c_mean
        rows.append((sp, arm, name, summary, mean([v for _, v in p]), p_matched, matched, c_mean))
        arms.setdefault(arm, []).append((sp, mean([v for _, v in p])))
    for sp, arm, name, summary, p_mean, p_matched, matched, c_mean in sorted(rows):
        ratio = c_mean / dense_c if dense_c else float("nan")
        lines.append(f"| {name} | {arm} | {sp:g} | {fmt(summary.get('test_acc'))} | {fmt(summary.get('train_loss'))} | {fmt(p_mean)} | {fmt(p_matched)} ({fmt(matched)}) "
                     f"| {fmt(c_mean)} | {fmt(ratio)} |")
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(out, "lottery.md"), "w") as fh:
        fh.write(table + "\n")
    dense = [pt for pt in arms.get("dense", [])]
    svg(os.path.join(out, "lottery.svg"), "p (mean over training) against sparsity, three arms (LeNet-300-100, 5,000 MNIST images)",
        [("p (deciding)", False, [(arm, COLOURS[i], sorted(dense + pts)) for i, (arm, pts) in enumerate(sorted(arms.items())) if arm != "dense"])])


DD_MATCHED_LOSS = 1.0


def double_descent(root, out):
    head = (f"| width | parameters | final train acc (noisy labels) | final test error | p (deciding) mean over training / last 500 steps "
            f"| p at matched train loss {DD_MATCHED_LOSS} (step) | C_α (deciding) mean over training | C_α at matched loss |")
    lines = [head, "|" + "---|" * 8]
    rows = []
    for name, db in runs(root):
        cfg = dict(db.execute("select key, value from config").fetchall())
        p = series(db, "consolidation/p_step_unbiased")
        c = series(db, "consolidation/c_alpha_step_unbiased")
        loss = series(db, "eval/train_loss")
        steps = max((st for st, _ in p), default=0)
        matched = next((st for st, v in loss if v <= DD_MATCHED_LOSS), None)
        win = lambda s: mean(within(s, matched - 100, matched + 101)) if matched else float("nan")  # noqa: E731
        with open(os.path.join(root, name + ".json")) as fh:
            summary = json.loads(fh.read().strip().splitlines()[-1])
        rows.append((int(cfg["hidden"]), summary, mean([v for _, v in p]), mean(within(p, steps - 500, steps + 1)), win(p), matched, mean([v for _, v in c]), win(c)))
    rows.sort()
    for w, summary, pm, pl, pmat, matched, cm, cmat in rows:
        lines.append(f"| {w} | {summary['parameters']} | {fmt(summary.get('train_acc'))} | {fmt(1 - summary['test_acc'])} | {fmt(pm)} / {fmt(pl)} "
                     f"| {fmt(pmat)} ({fmt(matched)}) | {fmt(cm)} | {fmt(cmat)} |")
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(out, "double-descent.md"), "w") as fh:
        fh.write(table + "\n")
    svg(os.path.join(out, "double-descent.svg"), "Test error and p against log₂ width (784-W-10, 4,000 MNIST images, 20 % noisy labels)",
        [("test error", False, [("test error", COLOURS[1], [(math.log2(r[0]), 1 - r[1]["test_acc"]) for r in rows])]),
         ("p (deciding)", False, [("p mean over training", COLOURS[0], [(math.log2(r[0]), r[2]) for r in rows]),
                                  (f"p at train loss {DD_MATCHED_LOSS}", COLOURS[2], [(math.log2(r[0]), r[4]) for r in rows])])])


if __name__ == "__main__":
    mode, root, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    {"dimension": dimension, "eos": eos, "lottery": lottery, "dd": double_descent}[mode](root, out)
