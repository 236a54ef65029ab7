#!/usr/bin/env python3
"""Scores the instability forecast on the runs of instability-forecast.sh (docs/INSTABILITY.md, "The instability
forecast, measured").

Reads every run under RUNS from its run.db (sqlite3, immutable; the tables `phasescope query` serves; load_by_query is
the same through `phasescope query` CSV, slower on a loaded machine). Ground truth, independent of every predictor: a spike onset
is a step whose mini-batch loss is >= 10x the median of the previous TRUTH_REF observations (default 5: 25 steps at
--probe-every 5; TRUTH_REF=20 is the first measurement's rule, whose 100-step median lags a loss still falling and so
missed spikes that start from far below it), found again only after the loss fell back below 3x that baseline; a
non-finite loss or a `diverged` event is an onset too. The target at step t is "an onset in (t, t + H]" (H = 100); steps
inside a spike (onset to end) are left out. A run "spikes" when it holds at least one onset.

Predictors, each a score per step where the risk is recorded (every 5 steps):
  risk       instability_risk recomputed here from the stored stability readings with the rule of
             src/PhaseScope/Stability/InstabilityRisk.cs (checked against the stored metric for the default constants);
  grad_z     z-score of log grad_norm against the previous 20 observations;
  loss_z     z-score of log loss against the previous 20 observations;
  detector   1 when the run diagnosis's own spike detector fired in [t - H, t], else 0: its rule replayed on the stored
             loss (lossspike.py; DETECTOR=recorded reads the runs' `loss_spike` events instead, written by the rule of
             the build that recorded them).
Warnings (the rule's rising edges) give lead time (onset - first warning in the H steps before it, after the previous
onset), hit rate (onsets with such a warning) and false alarms (warnings with no onset in the next H steps) per 1000
scored steps. The constants G (directional growth) and the warning threshold are chosen on the tuning runs (seed odd)
by the largest F1 of warnings, and everything is reported on the scoring runs (seed even) and, apart, on the tuning runs.

Rows: the tuning and scoring halves, the scoring half with the shipped constants, the scoring half's spiking runs only
(within spiking runs: does the score rise before the spikes of a run that spikes, rather than separate runs), and each task.

  python3 docs/scripts/instability-forecast.py [RUNS] [OUT_DIR]     # defaults /tmp/forecast-runs, docs/results/instability
"""
import csv, io, json, math, os, statistics, subprocess, sys
from collections import defaultdict
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lossspike

RUNS = sys.argv[1] if len(sys.argv) > 1 else "/tmp/forecast-runs"
OUT = sys.argv[2] if len(sys.argv) > 2 else "docs/results/instability"
PS = os.environ.get("PHASESCOPE", "./phasescope").split()
H = 100
TRUTH_REF = int(os.environ.get("TRUTH_REF", "5"))
DETECTOR = os.environ.get("DETECTOR", "replay")
NAMES = ["loss", "grad_norm", "stability/sharpness_ratio", "stability/directional_sharpness", "stability/absorbed_fraction",
         "stability/instability_risk"]


def query(sql):
    out = subprocess.run(PS + ["query", sql, "--runs", RUNS, "--format", "csv"], check=True, capture_output=True, text=True).stdout
    return list(csv.DictReader(io.StringIO(out)))


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def load():
    """Each run's run.db read directly (sqlite3, immutable): the same tables `phasescope query` serves, without DuckDB's load."""
    import sqlite3
    runs = defaultdict(lambda: {"m": defaultdict(dict), "events": []})
    for name in sorted(os.listdir(RUNS)):
        db = os.path.join(RUNS, name, "run.db")
        if not os.path.exists(db) or not os.path.exists(os.path.join(RUNS, name + ".json")):
            continue   # not a run, or one still running or failed (instability-forecast.sh writes NAME.json when it finishes)
        c = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
        for n, step, v in c.execute("SELECT n.name, m.step, m.value FROM metrics m JOIN metric_names n ON m.name_id = n.id WHERE n.name IN (%s)" % ",".join("?" * len(NAMES)), NAMES):
            runs[name]["m"][n][int(step)] = num(v)
        for step, kind in c.execute("SELECT step, kind FROM events WHERE kind IN ('loss_spike', 'diverged', 'instability_warning')"):
            runs[name]["events"].append((int(step), kind))
    return runs


def load_by_query():
    runs = defaultdict(lambda: {"m": defaultdict(dict), "events": []})
    names = ",".join(f"'{n}'" for n in NAMES)
    for r in query(f"SELECT run, step, name, value FROM metrics WHERE name IN ({names}) ORDER BY run, step"):
        runs[r["run"]]["m"][r["name"]][int(r["step"])] = num(r["value"])
    for r in query("SELECT run, step, kind FROM events WHERE kind IN ('loss_spike', 'diverged', 'instability_warning')"):
        runs[r["run"]]["events"].append((int(r["step"]), r["kind"]))
    return runs


def onsets(loss, diverged):
    """Spike onsets and the steps inside spikes, from the loss alone (the ground truth)."""
    steps = sorted(loss)
    found, inside, hist, base = [], set(), [], None
    for s in steps:
        v = loss[s]
        if not math.isfinite(v):
            found.append(s)
            break
        if base is not None:
            inside.add(s)
            if v < 3 * base:
                base = None
            continue
        if len(hist) >= 10 and v >= 10 * statistics.median(hist[-TRUTH_REF:]):
            found.append(s)
            base = statistics.median(hist[-TRUTH_REF:])
            inside.add(s)
            continue
        hist.append(v)
    for d in diverged:
        if not found or found[-1] < d:
            found.append(d)
    return found, inside


def risk_series(m, G, threshold, K=3, W=20):
    """The rule of InstabilityRisk.cs, replayed on the stored readings."""
    ratio, dirs, absorbed = m.get("stability/sharpness_ratio", {}), m.get("stability/directional_sharpness", {}), m.get("stability/absorbed_fraction", {})
    steps = sorted(set(ratio) | set(dirs))
    fit, window, out = [], [], {}
    mpart = dpart = apart = float("nan")
    last_risk, last_warn = float("nan"), None
    abs_steps = sorted(absorbed)
    for t in steps:
        if t in ratio and math.isfinite(ratio[t]):
            fit = (fit + [(t, ratio[t])])[-K:]
        if fit:
            mpart = fit[-1][1]
            if len(fit) >= 2:
                mt = sum(a for a, _ in fit) / len(fit); mr = sum(b for _, b in fit) / len(fit)
                sxx = sum((a - mt) ** 2 for a, _ in fit); sxy = sum((a - mt) * (b - mr) for a, b in fit)
                slope = sxy / sxx if sxx > 0 else 0
                if slope > 0:
                    mpart = mr - slope * mt + slope * (t + H)
        if t in dirs and math.isfinite(dirs[t]):
            s = dirs[t]
            if window:
                level = statistics.median(window)
                dpart = (math.log(s / level) / math.log(G) if s > 0 else 0.0) if level > 0 else float("nan")
            window = (window + [s])[-W:]
        prior = [a for a in abs_steps if a < t]
        if prior and math.isfinite(absorbed[prior[-1]]):
            apart = absorbed[prior[-1]] / 0.01
        parts = [p for p in (mpart, dpart, apart) if not math.isnan(p)]
        risk = max(parts) if parts else float("nan")
        warn = risk >= threshold and not (last_risk >= threshold) and (last_warn is None or t - last_warn >= H)
        if warn:
            last_warn = t
        if not math.isnan(risk):
            last_risk = risk
        out[t] = (risk, warn)
    return out


def zscores(series, steps):
    keys = sorted(series)
    z = {}
    for i, s in enumerate(keys):
        prev = [math.log(series[k]) for k in keys[max(0, i - 20):i] if series[k] > 0 and math.isfinite(series[k])]
        v = series[s]
        if len(prev) >= 5 and v > 0 and math.isfinite(v):
            sd = statistics.pstdev(prev)
            z[s] = (math.log(v) - statistics.fmean(prev)) / sd if sd > 0 else 0.0
    return {s: z[s] for s in steps if s in z}


def auroc(pairs):
    pos = [s for s, y in pairs if y]; neg = [s for s, y in pairs if not y]
    if not pos or not neg:
        return float("nan")
    ranked = sorted((s if math.isfinite(s) else -math.inf, y) for s, y in pairs)   # no reading yet: the lowest score
    rank, i, sum_pos = {}, 0, 0.0
    while i < len(ranked):
        j = i
        while j < len(ranked) and (ranked[j][0] == ranked[i][0] or j == i):
            j += 1
        r = (i + j + 1) / 2
        sum_pos += r * sum(1 for k in range(i, j) if ranked[k][1])
        i = j
    return (sum_pos - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def score(runs, names, G, threshold):
    rows, per_run = defaultdict(list), defaultdict(list)
    leads, hits, spikes, warnings, false_alarms, scored_steps = [], 0, 0, 0, 0, 0
    for name in names:
        run_rows = defaultdict(list)
        r = runs[name]
        m = r["m"]
        diverged = [s for s, k in r["events"] if k == "diverged"]
        found, inside = onsets(m.get("loss", {}), diverged)
        rs = risk_series(m, G, threshold)
        steps = [t for t in sorted(rs) if t not in inside]
        gz, lz = zscores(m.get("grad_norm", {}), steps), zscores(m.get("loss", {}), steps)
        detector = ([s for s, k in r["events"] if k == "loss_spike"] if DETECTOR == "recorded"
                    else [o for o, *_ in lossspike.spikes(m.get("loss", {}))])
        for t in steps:
            y = any(t < o <= t + H for o in found)
            run_rows["risk"].append((rs[t][0], y))
            run_rows["grad_z"].append((gz.get(t, 0.0), y))
            run_rows["loss_z"].append((lz.get(t, 0.0), y))
            run_rows["detector"].append((1.0 if any(t - H <= d <= t for d in detector) else 0.0, y))
        for k, v in run_rows.items():
            rows[k] += v
            if found:
                per_run[k].append(auroc(v))
        scored_steps += 5 * len(steps)
        warns = [t for t in sorted(rs) if rs[t][1]]
        warnings += len(warns)
        false_alarms += sum(1 for w in warns if not any(w < o <= w + H for o in found))
        prev = -10**9
        for o in found:
            spikes += 1
            before = [w for w in warns if max(prev, o - H) <= w < o]
            if before:
                hits += 1
                leads.append(o - before[0])
            prev = o
    q = statistics.quantiles(leads, n=4) if len(leads) >= 2 else [float("nan")] * 3
    return {
        "runs": len(names), "spikes": spikes, "hits": hits, "hit_rate": hits / spikes if spikes else float("nan"),
        "warnings": warnings, "false_alarms": false_alarms, "false_alarms_per_1000": 1000 * false_alarms / max(1, scored_steps),
        "lead_median": statistics.median(leads) if leads else float("nan"), "lead_q1": q[0], "lead_q3": q[2],
        "auroc": {k: auroc(v) for k, v in rows.items()},
        "auroc_per_run_median": {k: statistics.median([a for a in v if math.isfinite(a)]) if any(math.isfinite(a) for a in v) else float("nan") for k, v in per_run.items()},
        "positives": sum(1 for _, y in rows["risk"] if y), "points": len(rows["risk"]),
    }


def f1(s):
    precision = 1 - s["false_alarms"] / s["warnings"] if s["warnings"] else 0
    recall = s["hit_rate"] if math.isfinite(s["hit_rate"]) else 0
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0


def main():
    runs = load()
    names = sorted(n for n in runs if runs[n]["m"].get("stability/directional_sharpness"))
    seed = lambda n: int(n.rsplit("-s", 1)[1])
    tune = [n for n in names if seed(n) % 2 == 1]
    held = [n for n in names if seed(n) % 2 == 0]
    # the replay against the stored metric (written with the defaults G = 10, threshold 1)
    gaps = []
    for n in names:
        replay = risk_series(runs[n]["m"], 10, 1)
        gaps += [abs(replay[t][0] - v) for t, v in runs[n]["m"].get("stability/instability_risk", {}).items() if t in replay and math.isfinite(v)]
    grid = [(G, th) for G in (3, 10, 30, 100, 1000) for th in (0.5, 1, 1.5, 2, 3, 5)]
    tuned = {g: score(runs, tune, *g) for g in grid}
    best = max(grid, key=lambda g: (f1(tuned[g]), -g[1]))
    spiking = {n for n in names if onsets(runs[n]["m"].get("loss", {}), [s for s, k in runs[n]["events"] if k == "diverged"])[0]}
    recorded = [n for n in names if any(k == "loss_spike" for _, k in runs[n]["events"]) or not runs[n]["events"]]
    agree = sum(1 for n in names if sorted(s for s, k in runs[n]["events"] if k == "loss_spike") == [o for o, *_ in lossspike.spikes(runs[n]["m"].get("loss", {}))])
    result = {"tuning_runs": tune, "scoring_runs": held, "chosen": {"G": best[0], "threshold": best[1]}, "truth_reference": TRUTH_REF, "detector": DETECTOR,
              "spiking_runs": sorted(spiking), "runs_by_task": {task: {"spiking": sum(1 for n in names if f"-{task}-" in n and n in spiking), "stable": sum(1 for n in names if f"-{task}-" in n and n not in spiking)} for task in ("mod", "lm", "mnist")},
              "detector_replay_equals_recorded_events": f"{agree} of {len(names)} runs",
              "tuning_spiking": score(runs, [n for n in tune if n in spiking], *best), "scoring_spiking": score(runs, [n for n in held if n in spiking], *best),
              "replay_max_abs_difference": max(gaps) if gaps else None,
              "tuning": tuned[best], "scoring": score(runs, held, *best), "scoring_defaults": score(runs, held, 10, 1),
              "by_task": {task: score(runs, [n for n in held if f"-{task}-" in n], *best) for task in ("mod", "lm", "mnist")},
              "grid": [{"G": g[0], "threshold": g[1], "f1": f1(tuned[g]), "hit_rate": tuned[g]["hit_rate"], "fa_per_1000": tuned[g]["false_alarms_per_1000"]} for g in grid]}
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "forecast.json"), "w") as f:
        json.dump(result, f, indent=1, default=lambda x: None)
    fmt = lambda v: "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3g}" if isinstance(v, float) else str(v)
    lines = ["| runs | split | spikes | hit rate | lead median (q1–q3) | false alarms /1000 steps | AUROC risk | grad-norm z | loss z | detector |", "|---|---|---|---|---|---|---|---|---|---|"]
    rows = [("tuning", result["tuning"]), ("tuning, spiking runs only", result["tuning_spiking"]), ("scoring", result["scoring"]),
            ("scoring, spiking runs only", result["scoring_spiking"]), ("scoring, defaults G=10 θ=1", result["scoring_defaults"])]
    for label, s in rows + [(f"scoring, {k}", v) for k, v in result["by_task"].items()]:
        a = s["auroc"]
        lines.append(f"| {s['runs']} | {label} | {s['spikes']} | {fmt(s['hit_rate'])} ({s['hits']}) | {fmt(s['lead_median'])} ({fmt(s['lead_q1'])}–{fmt(s['lead_q3'])}) | {fmt(s['false_alarms_per_1000'])} ({s['false_alarms']} of {s['warnings']}) | {fmt(a.get('risk'))} | {fmt(a.get('grad_z'))} | {fmt(a.get('loss_z'))} | {fmt(a.get('detector'))} |")
    lines += ["", "Median over the spiking runs of each run's own AUROC (risk / grad-norm z / loss z / detector):", ""]
    for label, s in [("tuning", result["tuning"]), ("scoring", result["scoring"])]:
        p = s["auroc_per_run_median"]
        lines.append(f"- {label}: {fmt(p.get('risk'))} / {fmt(p.get('grad_z'))} / {fmt(p.get('loss_z'))} / {fmt(p.get('detector'))}")
    lines += ["", "Runs that spike / stay stable: " + ", ".join(f"{k} {v['spiking']} / {v['stable']}" for k, v in result["runs_by_task"].items()),
              f"Detector replay (lossspike.py) equal to the recorded `loss_spike` events: {result['detector_replay_equals_recorded_events']}."]
    table = "\n".join(lines)
    with open(os.path.join(OUT, "forecast.md"), "w") as f:
        f.write(f"Chosen on the tuning runs: G = {best[0]}, warning threshold {best[1]} (H = {H}; truth: ≥ 10× the median of the previous {TRUTH_REF} observations; detector: {DETECTOR}). Replay vs stored risk: max |Δ| = {fmt(result['replay_max_abs_difference'])}.\n\n{table}\n")
    print(open(os.path.join(OUT, "forecast.md")).read())


if __name__ == "__main__":
    main()
