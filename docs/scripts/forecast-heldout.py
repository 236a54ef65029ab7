"""Scores a fitted grok forecast (a grok_predictor.json, e.g. the built-in one) as it stands, without refitting, on
finished runs: every evaluation step t before a run's grok step is one sample, positive when the run groks within the
model's horizon H (t < g <= t + H), scored P = sigma(b + sum_j w_j z_j), z_j = (phi(x_j) - mu_j)/s_j,
phi(x) = sign(x) log(1 + |x|), x_j the latest reading of feature j at or before t (missing: z_j = 0). AUROC is the
Mann-Whitney probability (ties 1/2) with a 95 % percentile bootstrap over runs (1000 replicates, seed 0).

    python3 docs/scripts/forecast-heldout.py MODEL.json RUN_DIR... [--ops sub,x2_y2]

--ops keeps only the runs of those operations (the ones the model was not fitted on). Prints one JSON object.
"""
import json
import math
import random
import sqlite3
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rundb  # noqa: E402


def phi(x):
    return math.copysign(math.log1p(abs(x)), x) if x != 0 else 0.0


def auroc(samples):
    pos = [v for p, v in samples if p]
    neg = [v for p, v in samples if not p]
    if not pos or not neg:
        return float("nan")
    ranked = sorted(samples, key=lambda s: s[1])
    ranks = [0.0] * len(ranked)
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][1] == ranked[i][1]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    r_pos = sum(r for r, s in zip(ranks, ranked) if s[0])
    return (r_pos - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def run_samples(model, run_dir):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(run_dir, "run.db"), uri=True)
    summary = json.loads(db.execute("select summary_json from runs").fetchone()[0])
    grok = summary.get("grok_step")
    steps = summary.get("steps")
    series = {f: rundb.series(db, f) for f in model["features"]}
    grid = [s for s, _ in rundb.series(db, "eval/test_acc")]
    out = []
    for t in grid:
        if grok is not None and t >= grok:
            break
        if steps is not None and t > steps:
            break
        z = []
        for j, f in enumerate(model["features"]):
            x = rundb.at(series[f], t)
            z.append((phi(x) - model["mean"][j]) / model["scale"][j] if x is not None and math.isfinite(x) else 0.0)
        s = model["coefficients"][0] + sum(w * v for w, v in zip(model["coefficients"][1:], z))
        p = 1 / (1 + math.exp(-s)) if s >= 0 else math.exp(s) / (1 + math.exp(s))
        out.append((grok is not None and grok - t <= model["horizon"], p))
    return summary.get("op"), out


def main(argv):
    ops = None
    if "--ops" in argv:
        i = argv.index("--ops")
        ops = set(argv[i + 1].split(","))
        argv = argv[:i] + argv[i + 2:]
    model = json.load(open(argv[0]))
    per_run = []
    names = []
    for d in argv[1:]:
        op, samples = run_samples(model, d)
        if ops is not None and op not in ops:
            continue
        if samples:
            per_run.append(samples)
            names.append(os.path.basename(os.path.normpath(d)))
    pooled = [s for r in per_run for s in r]
    auc = auroc(pooled)
    rng = random.Random(0)
    boot = []
    for _ in range(1000):
        pick = [s for _ in per_run for s in per_run[rng.randrange(len(per_run))]]
        a = auroc(pick)
        if not math.isnan(a):
            boot.append(a)
    boot.sort()
    lo = boot[int(0.025 * (len(boot) - 1))] if boot else float("nan")
    hi = boot[int(0.975 * (len(boot) - 1))] if boot else float("nan")
    print(json.dumps({"runs": names, "samples": len(pooled), "positives": sum(1 for p, _ in pooled if p),
                      "auroc": auc, "ci_low": lo, "ci_high": hi}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
