"""Seed 001's language-model tests on the lm grid (docs/scripts/lm-grid.sh): the tables of docs/results/lm-grid/.

python3 docs/scripts/lm-grid.py tune OUT [--markdown FILE] [--best]
python3 docs/scripts/lm-grid.py tables RUN... --out DIR [--levels 2.4,2.2] [--draws 2000]

Standard library only; reads each run's run.db (SQLite). What each table computes:

* Matched loss (seed 001 §44 compares the optimizers "at comparable validation loss"): for each loss level L every run
  reaches after its first full spectral window, the first evaluation step t_L where the validation loss is <= L, and
  at the last spectral window ending at or before t_L: k* = argmax_j sigma_j / sigma_(j+1) (Definition 6.1), the
  classical BBP count #{sigma_j^2 above the pure-noise bulk edge} (Remark 6.2; the probe's spectral/above_bbp), and the
  gap ratio. Levels: evenly between the highest loss every run still has to reach after its first window (the lowest
  of the runs' losses at that window) and the highest final loss, unless --levels names them.
* Test 4 detrended: Pearson r of the gap ratio x_t against the validation loss y_(t+lag) (lag -5: the loss leads, the
  seed's TinyStories lag) on the steps both series recorded, for the levels, the first differences, and the residuals
  after a smooth trend (a least-squares cubic in the step, fitted to each series apart). Its null is a block
  permutation: y's detrended series cut into blocks of BLOCK positions, the blocks shuffled, r recomputed; the p-value
  is (1 + #{|r_null| >= |r|}) / (1 + draws). Pooled per optimizer: the mean r over its runs against the mean of
  independently permuted runs. Levels get no p-value: two trending series correlate whatever the null shuffles.
* Phases (section 33: rise, plateau, collapse of the gap ratio): the gap ratio smoothed by a centred moving average of
  SMOOTH windows; rise when its peak is >= 10 % above its first value and not in the last tenth of the run; plateau
  when it stays within 10 % of the peak for >= 5 consecutive windows around the peak; collapse when it ends >= 10 %
  below the peak. The share of the run's validation-loss improvement made by the peak is the seed's "70–80 %".
"""
import argparse
import glob
import math
import os
import random
import sqlite3
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rundb  # noqa: E402

VAL_LOSS = "eval/test_loss"
K_STAR = "spectral/k_star"
ABOVE_BBP = "spectral/above_bbp"
GAP_RATIO = "spectral/gap_ratio"
BLOCK = 5
SMOOTH = 5
LAGS = (0, -5)


# --- the statistics (tested in lm-grid-test.py) -----------------------------------------------------------------

def pearson(x, y):
    """Pearson's r of two equal-length lists; NaN for fewer than 3 pairs or a constant side."""
    n = len(x)
    if n < 3 or len(y) != n:
        return math.nan
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else math.nan


def lagged(x, y, lag):
    """The pairs (x_t, y_(t+lag)) over the t where both exist (the convention of phasescope's LaggedCorrelation)."""
    xs, ys = [], []
    for t in range(len(x)):
        u = t + lag
        if 0 <= u < len(y):
            xs.append(x[t])
            ys.append(y[u])
    return xs, ys


def differences(v):
    """First differences v_(t+1) - v_t."""
    return [b - a for a, b in zip(v, v[1:])]


def solve(a, b):
    """Solves the square system a z = b by Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        if m[c][c] == 0:
            raise ValueError("singular system")
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            for k in range(c, n + 1):
                m[r][k] -= f * m[c][k]
    z = [0.0] * n
    for r in range(n - 1, -1, -1):
        z[r] = (m[r][n] - sum(m[r][k] * z[k] for k in range(r + 1, n))) / m[r][r]
    return z


def residuals(t, v, degree=3):
    """v minus its least-squares polynomial of the given degree in t (t rescaled to [-1, 1] for conditioning)."""
    lo, hi = min(t), max(t)
    s = [2 * (ti - lo) / (hi - lo) - 1 if hi > lo else 0.0 for ti in t]
    d = min(degree, len(v) - 1)
    basis = [[si ** k for k in range(d + 1)] for si in s]
    ata = [[sum(row[i] * row[j] for row in basis) for j in range(d + 1)] for i in range(d + 1)]
    atb = [sum(row[i] * vi for row, vi in zip(basis, v)) for i in range(d + 1)]
    c = solve(ata, atb)
    return [vi - sum(ck * row[k] for k, ck in enumerate(c)) for row, vi in zip(basis, v)]


def block_shuffle(v, block, rng):
    """v cut into consecutive blocks of `block` values (the last may be shorter), the blocks in a random order."""
    blocks = [v[i:i + block] for i in range(0, len(v), block)]
    rng.shuffle(blocks)
    return [a for b in blocks for a in b]


def permutation_p(x, y, lag, draws, rng, block=BLOCK):
    """(r, p): r of (x_t, y_(t+lag)) and its block-permutation p-value, y's blocks shuffled before the lag is taken."""
    r = pearson(*lagged(x, y, lag))
    if math.isnan(r):
        return r, math.nan
    hits = sum(1 for _ in range(draws) if abs(pearson(*lagged(x, block_shuffle(y, block, rng), lag))) >= abs(r))
    return r, (1 + hits) / (1 + draws)


def pooled_p(pairs, lag, draws, rng, block=BLOCK):
    """(mean r, p) over several runs' (x, y): the null permutes each run's y independently and averages its r."""
    rs = [pearson(*lagged(x, y, lag)) for x, y in pairs]
    rs = [r for r in rs if not math.isnan(r)]
    if not rs:
        return math.nan, math.nan
    mean = sum(rs) / len(rs)
    hits = 0
    for _ in range(draws):
        null = [pearson(*lagged(x, block_shuffle(y, block, rng), lag)) for x, y in pairs]
        null = [r for r in null if not math.isnan(r)]
        if null and abs(sum(null) / len(null)) >= abs(mean):
            hits += 1
    return mean, (1 + hits) / (1 + draws)


def moving_average(v, width):
    """Centred moving average; near the ends the window shrinks to what exists."""
    h = width // 2
    return [sum(v[max(0, i - h):i + h + 1]) / len(v[max(0, i - h):i + h + 1]) for i in range(len(v))]


def phases(ratio, loss):
    """Section 33's three phases on a gap-ratio series and the loss on the same steps (see the module docstring)."""
    g = moving_average(ratio, SMOOTH)
    n = len(g)
    peak = max(range(n), key=lambda i: g[i])
    rise = g[peak] >= 1.1 * g[0] and peak < n - max(1, n // 10)
    near = [abs(v - g[peak]) <= 0.1 * g[peak] for v in g]
    lo = peak
    while lo > 0 and near[lo - 1]:
        lo -= 1
    hi = peak
    while hi < n - 1 and near[hi + 1]:
        hi += 1
    plateau = hi - lo + 1 >= 5
    collapse = g[-1] <= 0.9 * g[peak]
    total = loss[0] - loss[-1]
    share = (loss[0] - loss[peak]) / total if total > 0 else math.nan
    return {"peak": peak, "rise": rise, "plateau": plateau, "plateau_span": (lo, hi), "collapse": collapse,
            "first": g[0], "max": g[peak], "last": g[-1], "share_at_peak": share}


def first_reaching(steps, values, level):
    """The first step whose value is <= level (None when none is)."""
    return next((s for s, v in zip(steps, values) if v <= level), None)


def levels_between(high, low, count=3):
    """`count` loss levels evenly inside (low, high), rounded to 3 decimals, highest first."""
    return [round(high - (high - low) * (i + 1) / (count + 1), 3) for i in range(count)]


def refuse(message):
    """Bad input: the message on stderr, exit code 2, nothing written."""
    print("lm-grid.py: " + message, file=sys.stderr)
    sys.exit(2)


# --- reading runs -------------------------------------------------------------------------------------------------

class Run:
    """One run's config and the series the tables read."""

    def __init__(self, path):
        self.path = path.rstrip("/")
        self.name = os.path.basename(self.path)
        if not os.path.isfile(os.path.join(self.path, "run.db")):
            refuse(f"{path} is not a run directory (no run.db); give directories written by 'phasescope grok'.")
        db = sqlite3.connect(f"file:{os.path.join(self.path, 'run.db')}?mode=ro", uri=True)
        self.config = dict(db.execute("select key, value from config").fetchall())
        self.loss = rundb.series(db, VAL_LOSS)
        self.k_star = rundb.series(db, K_STAR)
        self.bbp = rundb.series(db, ABOVE_BBP)
        self.ratio = rundb.series(db, GAP_RATIO)
        db.close()
        self.optimizer = self.config.get("optimizer", "adamw")
        self.seed = self.config.get("seed", "?")

    def aligned(self):
        """(steps, gap ratio, val loss) on the steps both recorded."""
        r, y = dict(self.ratio), dict(self.loss)
        steps = sorted(s for s in r if s in y)
        return steps, [r[s] for s in steps], [y[s] for s in steps]


def fmt(v, spec=".3f"):
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


# --- tune ---------------------------------------------------------------------------------------------------------

def tune(args):
    rows = []
    for path in sorted(glob.glob(os.path.join(args.out, "tune-muon-lr*"))):
        if not os.path.isdir(path):
            continue
        run = Run(path)
        tail = [v for _, v in run.loss[-3:]]
        rows.append((float(run.config.get("muon_lr", "nan")), run, statistics.mean(tail) if tail else math.nan))
    rows.sort(key=lambda r: r[0])
    if not rows:
        refuse("no tune-muon-lr* runs under " + args.out)
    best = min(rows, key=lambda r: r[2] if not math.isnan(r[2]) else math.inf)
    if args.best:
        print(format(best[0], "g"))
        return
    text = ["| --muon-lr | steps | validation loss (mean of the last 3 evaluations) | chosen |", "|---|---|---|---|"]
    for lr, run, final in rows:
        text.append(f"| {lr:g} | {run.loss[-1][0] if run.loss else '–'} | {fmt(final)} | {'yes' if run is best[1] else ''} |")
    out = "\n".join(text) + "\n"
    print(out, end="")
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(out)


# --- tables -------------------------------------------------------------------------------------------------------

def reading_at(series, step):
    """The last reading at or before step (None if none)."""
    return rundb.at(series, step)


def matched_loss(runs, levels):
    lines = ["| level | run | optimizer | seed | step reached | k* (argmax ratio) | k* mode, last 5 windows | BBP count | gap ratio |",
             "|---|---|---|---|---|---|---|---|---|"]
    summary = ["| level | optimizer | runs | mean step | k* (argmax) per run | BBP count per run |", "|---|---|---|---|---|---|"]
    for level in levels:
        by_opt = {}
        for run in runs:
            steps, values = [s for s, _ in run.loss], [v for _, v in run.loss]
            t = first_reaching(steps, values, level)
            if t is None or reading_at(run.k_star, t) is None:
                lines.append(f"| {level} | {run.name} | {run.optimizer} | {run.seed} | not reached | – | – | – | – |")
                continue
            last5 = [int(v) for s, v in run.k_star if s <= t][-5:]
            mode = statistics.multimode(last5)
            k = int(reading_at(run.k_star, t))
            bbp = reading_at(run.bbp, t)
            lines.append(f"| {level} | {run.name} | {run.optimizer} | {run.seed} | {t} | {k} | {'/'.join(map(str, sorted(mode)))} | "
                         f"{fmt(bbp, '.0f')} | {fmt(reading_at(run.ratio, t))} |")
            by_opt.setdefault(run.optimizer, []).append((t, k, bbp))
        for opt, got in sorted(by_opt.items()):
            summary.append(f"| {level} | {opt} | {len(got)} | {statistics.mean(t for t, _, _ in got):.0f} | "
                           f"{', '.join(str(k) for _, k, _ in got)} | {', '.join(fmt(b, '.0f') for _, _, b in got)} |")
    return "\n".join(summary) + "\n\n" + "\n".join(lines) + "\n"


def equal_step(runs, step):
    lines = [f"| run | optimizer | seed | validation loss at {step} | k* | BBP count | gap ratio |", "|---|---|---|---|---|---|---|"]
    for run in runs:
        lines.append(f"| {run.name} | {run.optimizer} | {run.seed} | {fmt(reading_at(run.loss, step))} | {fmt(reading_at(run.k_star, step), '.0f')} | "
                     f"{fmt(reading_at(run.bbp, step), '.0f')} | {fmt(reading_at(run.ratio, step))} |")
    return "\n".join(lines) + "\n"


def detrended(runs, draws, seed):
    rng = random.Random(seed)
    lines = ["| run | optimizer | seed | pairs | lag | r levels | r first differences (p) | r residuals of cubic trend (p) |",
             "|---|---|---|---|---|---|---|---|"]
    pooled = {}
    for run in runs:
        steps, x, y = run.aligned()
        dx, dy = differences(x), differences(y)
        rx, ry = residuals(steps, x), residuals(steps, y)
        for lag in LAGS:
            r0 = pearson(*lagged(x, y, lag))
            rd, pd = permutation_p(dx, dy, lag, draws, rng)
            rr, pr = permutation_p(rx, ry, lag, draws, rng)
            lines.append(f"| {run.name} | {run.optimizer} | {run.seed} | {len(steps)} | {lag} | {fmt(r0)} | {fmt(rd)} ({fmt(pd)}) | {fmt(rr)} ({fmt(pr)}) |")
        pooled.setdefault(run.optimizer, []).append(((dx, dy), (rx, ry)))
    summary = ["| optimizer | runs | lag | mean r, first differences (pooled p) | mean r, residuals (pooled p) |", "|---|---|---|---|---|"]
    for opt, items in sorted(pooled.items()):
        for lag in LAGS:
            md, pd = pooled_p([d for d, _ in items], lag, draws, rng)
            mr, pr = pooled_p([r for _, r in items], lag, draws, rng)
            summary.append(f"| {opt} | {len(items)} | {lag} | {fmt(md)} ({fmt(pd)}) | {fmt(mr)} ({fmt(pr)}) |")
    return "\n".join(summary) + "\n\n" + "\n".join(lines) + "\n"


def phase_table(runs):
    lines = ["| run | optimizer | seed | steps | windows | smoothed ratio first / peak (step) / last | rise | plateau | collapse | share of loss gain by the peak |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for run in runs:
        steps, x, y = run.aligned()
        if len(steps) < 2 * SMOOTH:
            continue
        p = phases(x, y)
        yes = lambda b: "yes" if b else "no"
        lines.append(f"| {run.name} | {run.optimizer} | {run.seed} | {steps[-1]} | {len(steps)} | {fmt(p['first'])} / {fmt(p['max'])} ({steps[p['peak']]}) / {fmt(p['last'])} | "
                     f"{yes(p['rise'])} | {yes(p['plateau'])} ({steps[p['plateau_span'][0]]}–{steps[p['plateau_span'][1]]}) | {yes(p['collapse'])} | {fmt(p['share_at_peak'], '.2f')} |")
    return "\n".join(lines) + "\n"


def tables(args):
    runs = [Run(p) for p in args.runs]
    grid = [r for r in runs if not r.name.startswith("long-")]
    bare = [r.name for r in runs if not r.k_star or not r.loss]
    if bare or not grid:
        refuse(f"{', '.join(bare) or 'no grid run'}: needs runs recorded with --spectral and evaluations.")
    if args.levels:
        levels = [float(v) for v in args.levels.split(",")]
    else:
        first = [reading_at(r.loss, r.k_star[0][0]) for r in grid if r.k_star]
        high = min(v for v in first if v is not None)
        low = max(r.loss[-1][1] for r in grid)
        levels = levels_between(high, low) if high > low else []
    os.makedirs(args.out, exist_ok=True)
    header = f"Runs: {', '.join(r.name for r in runs)}. Produced by docs/scripts/lm-grid.py.\n\n"
    parts = {
        "matched-loss.md": header + f"**Matched validation loss (levels {', '.join(map(str, levels)) or 'none: no level every run reaches'})**\n\n"
                           + matched_loss(grid, levels) + "\n**Equal step, for contrast**\n\n" + equal_step(grid, min(r.loss[-1][0] for r in grid)),
        "test4-detrended.md": header + f"**Test 4 detrended (block permutation, blocks of {BLOCK}, {args.draws} draws)**\n\n" + detrended(grid, args.draws, 4),
        "phases.md": header + "**Section 33's three phases of the gap ratio**\n\n" + phase_table(runs),
    }
    for name, text in parts.items():
        with open(os.path.join(args.out, name), "w") as fh:
            fh.write(text)
        print(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("tune")
    t.add_argument("out")
    t.add_argument("--markdown")
    t.add_argument("--best", action="store_true")
    g = sub.add_parser("tables")
    g.add_argument("runs", nargs="+")
    g.add_argument("--out", required=True)
    g.add_argument("--levels")
    g.add_argument("--draws", type=int, default=2000)
    args = ap.parse_args(argv)
    (tune if args.command == "tune" else tables)(args)


if __name__ == "__main__":
    main()
