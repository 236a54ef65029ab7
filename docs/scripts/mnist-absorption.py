#!/usr/bin/env python3
"""Scores the instability forecast on the mnist runs of mnist-absorption.sh, with the absorption reading (docs/INSTABILITY.md,
"The absorption reading on mnist, measured"), beside the same arms recorded without it. Ground truth, predictors, lead time,
hit rate, false alarms and AUROC are instability-forecast.py's (imported, not copied). Rows: every run and the even-seed
half (the forecast's scoring split), with the shipped constants (G = 10, θ = 1, A = 1 %) and with the constants the forecast
chose on its tuning runs (G = 3, θ = 3); then the absorbed-share scale A chosen on the odd seeds (largest F1 of warnings,
G = 10, θ = 1) and scored on the even ones. Per onset: the first evaluation with absorbed share ≥ 1 % and ≥ 50 %, the first
step with loss < 1e-7, the first warning in the 100 steps before, the live label (SpikeCause.Label: absorbed share at the
last evaluation before the onset, stability margin at the last reading before it) and the cause the warnings name.
With COUNTERFACTUAL=DIR (the spike arms again with --float64-softmax, mnist-absorption.sh EXTRA=--float64-softmax ARMS=spikeb),
each run's onsets there beside its onsets here: a spike that float64 removes was numerical. OLD_LABEL names the OLD_RUNS set,
NEW_LABEL (env) the NEW_RUNS set.
  python3 docs/scripts/mnist-absorption.py NEW_RUNS [OLD_RUNS [OLD_LABEL]] > docs/results/instability/mnist-absorption/forecast.md"""
import importlib.util, math, os, re, sqlite3, sys

NEW = sys.argv[1] if len(sys.argv) > 1 else "/tmp/absorb-runs"
OLD = sys.argv[2] if len(sys.argv) > 2 else None
OLD_LABEL = sys.argv[3] if len(sys.argv) > 3 else "without (recorded before)"
COUNTERFACTUAL = os.environ.get("COUNTERFACTUAL")
here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("forecast", os.path.join(here, "instability-forecast.py"))
fc = importlib.util.module_from_spec(spec)
sys.argv = [sys.argv[0], NEW]
spec.loader.exec_module(fc)
ABSORBED = "stability/absorbed_fraction"
A_GRID = (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


def load(directory):
    fc.RUNS = directory
    runs = fc.load()
    return {n: runs[n] for n in sorted(runs) if "-mnist-" in n and runs[n]["m"].get("stability/directional_sharpness")}


def scaled(runs, a):
    """The runs with the absorbed share read on scale A: the risk's part is share / A, the replay's is share / 0.01."""
    out = {}
    for n, r in runs.items():
        m = dict(r["m"])
        if ABSORBED in m:
            m[ABSORBED] = {s: v * 0.01 / a for s, v in m[ABSORBED].items()}
        out[n] = {"m": m, "events": r["events"]}
    return out


seed = lambda n: int(n.rsplit("-s", 1)[1])
fmt = lambda v: "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3g}" if isinstance(v, float) else str(v)


def row(label, s):
    a = s["auroc"]
    return (f"| {label} | {s['runs']} | {s['spikes']} | {fmt(s['hit_rate'])} ({s['hits']}) | {fmt(s['lead_median'])} ({fmt(s['lead_q1'])}–{fmt(s['lead_q3'])}) "
            f"| {fmt(s['false_alarms_per_1000'])} ({s['false_alarms']} of {s['warnings']}) | {fmt(a.get('risk'))} | {fmt(a.get('grad_z'))} | {fmt(a.get('loss_z'))} | {fmt(a.get('detector'))} |")


def table(sets):
    print("| build, runs, constants | runs | onsets | hit rate | lead, steps: median (q1–q3) | false alarms /1000 steps | AUROC risk | grad-norm z | loss z | spike detector |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for build, runs in sets:
        spiking = [n for n in runs if fc.onsets(runs[n]["m"].get("loss", {}), [s for s, k in runs[n]["events"] if k == "diverged"])[0]]
        even = [n for n in runs if seed(n) % 2 == 0]
        for label, names in (("all", list(runs)), ("even seeds", even), ("spiking only", spiking)):
            print(row(f"{build}, {label}, G = 10, θ = 1", fc.score(runs, names, 10, 1)))
            print(row(f"{build}, {label}, G = 3, θ = 3", fc.score(runs, names, 3, 3)))


def tuned(runs):
    odd = [n for n in runs if seed(n) % 2 == 1]
    even = [n for n in runs if seed(n) % 2 == 0]
    print("\nThe absorbed-share scale A chosen on the odd seeds (G = 10, θ = 1), scored on the even seeds:\n")
    print("| A | odd seeds: F1 | hit rate | false alarms /1000 | even seeds: hit rate | lead median (q1–q3) | false alarms /1000 | AUROC risk |")
    print("|---|---|---|---|---|---|---|---|")
    best = None
    for a in A_GRID:
        r = scaled(runs, a)
        t, s = fc.score(r, odd, 10, 1), fc.score(r, even, 10, 1)
        f = fc.f1(t)
        if best is None or f > best[1]:
            best = (a, f)
        print(f"| {a:g} | {f:.3f} | {fmt(t['hit_rate'])} | {fmt(t['false_alarms_per_1000'])} | {fmt(s['hit_rate'])} ({s['hits']} of {s['spikes']}) "
              f"| {fmt(s['lead_median'])} ({fmt(s['lead_q1'])}–{fmt(s['lead_q3'])}) | {fmt(s['false_alarms_per_1000'])} | {fmt(s['auroc']['risk'])} |")
    print(f"\nChosen on the odd seeds: A = {best[0]:g} (F1 {best[1]:.3f}).")


def label(absorbed, margin):   # SpikeCause.Label
    have_a, have_m = not math.isnan(absorbed), not math.isnan(margin)
    if not have_a and not have_m:
        return "unknown"
    num, cur = have_a and absorbed >= 0.01, have_m and margin < 0
    return {(True, True): "both", (True, False): "numerical", (False, True): "curvature"}.get((num, cur), "neither")


def per_onset(directory, runs):
    print("\nEach onset (ground truth of instability-forecast.py), shipped constants:\n")
    print("| run | onset | first eval with absorbed ≥ 1 % (lead) | ≥ 50 % (lead) | absorbed share, last eval before | first loss < 1e-7 (lead) | first warning within 100 before (lead) | live label | warnings' causes in the run |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, r in runs.items():
        m = r["m"]
        found, _ = fc.onsets(m.get("loss", {}), [s for s, k in r["events"] if k == "diverged"])
        if not found:
            continue
        c = sqlite3.connect(f"file:{os.path.join(directory, n, 'run.db')}?immutable=1", uri=True)
        margin = c.execute("SELECT m.step, m.value FROM metrics m JOIN metric_names n ON m.name_id = n.id WHERE n.name = 'stability/margin' ORDER BY m.step").fetchall()
        causes = [re.search(r"\((numerical|curvature)\)", msg).group(1) + f"@{s}" for s, msg in
                  c.execute("SELECT step, message FROM events WHERE kind = 'instability_warning' ORDER BY step").fetchall()]
        absorbed, loss = m.get(ABSORBED, {}), m.get("loss", {})
        warns = [t for t, (_, w) in sorted(fc.risk_series(m, 10, 1).items()) if w]
        prev = -10**9
        for o in found:
            first = lambda pred, series: next((s for s in sorted(series) if s < o and pred(series[s])), None)
            lead = lambda s: f"{s} ({o - s})" if s is not None else "—"
            a1, a50, low = first(lambda v: v >= 0.01, absorbed), first(lambda v: v >= 0.5, absorbed), first(lambda v: v < 1e-7, loss)
            before = [w for w in warns if max(prev, o - 100) <= w < o]
            last_a = [absorbed[s] for s in sorted(absorbed) if s < o]
            last_m = [v for s, v in margin if s < o]
            a_, m_ = (last_a[-1] if last_a else math.nan), (last_m[-1] if last_m else math.nan)
            print(f"| {n} | {o} | {lead(a1)} | {lead(a50)} | {fmt(a_)} | {lead(low)} | {lead(before[0]) if before else '—'} | {label(a_, m_)} | {', '.join(causes) or '—'} |")
            prev = o


def stable_absorption(runs):
    print("\nAbsorbed share at each evaluation, runs without an onset (the false alarms' source):\n")
    print("| run | evaluations (first, every) | absorbed share at each |")
    print("|---|---|---|")
    for n, r in runs.items():
        if fc.onsets(r["m"].get("loss", {}), [])[0]:
            continue
        a = r["m"].get(ABSORBED, {})
        steps = sorted(a)
        print(f"| {n} | {steps[0]}, {steps[1] - steps[0] if len(steps) > 1 else '—'} | {', '.join(f'{a[s]:.3g}' for s in steps)} |")


def onsets_with_size(r):
    loss = r["m"].get("loss", {})
    found, _ = fc.onsets(loss, [s for s, k in r["events"] if k == "diverged"])
    out = []
    for o in found:
        ks = sorted(k for k in loss if k < o)[-5:]
        pre = sorted(loss[k] for k in ks)[len(ks) // 2] if ks else math.nan
        peak = max(v for k, v in loss.items() if o <= k <= o + 100)
        out.append(f"{o} (×{peak / pre:.3g})")
    return out


def counterfactual(runs, directory):
    other = load(directory)
    print(f"\nThe counterfactual: the spike arms again with --float64-softmax ({directory}; everything else unchanged, from step 0):\n")
    print("| run | onsets, float32 softmax (× loss before) | onsets, float64 softmax | final loss, float32 / float64 (last recorded) | float64 absorbed share (float64 rule) at the end |")
    print("|---|---|---|---|---|")
    for n in sorted(other):
        if n not in runs:
            continue
        last = lambda r: r["m"]["loss"][max(r["m"]["loss"])]
        a = other[n]["m"].get(ABSORBED, {})
        print(f"| {n} | {', '.join(onsets_with_size(runs[n])) or '—'} | {', '.join(onsets_with_size(other[n])) or '—'} | {last(runs[n]):.3g} / {last(other[n]):.3g} | {fmt(a[max(a)]) if a else '—'} |")


def checks(new, old):
    gaps = [abs(fc.risk_series(r["m"], 10, 1)[t][0] - v) for r in new.values() for t, v in r["m"].get("stability/instability_risk", {}).items()
            if t in fc.risk_series(r["m"], 10, 1) and math.isfinite(v)]
    print(f"\nReplay of the risk rule against the stored `stability/instability_risk` (G = 10, θ = 1): max |Δ| = {fmt(max(gaps) if gaps else math.nan)} over {len(gaps)} readings.")
    if old:
        same = [n for n in new if n in old and new[n]["m"].get("loss") == old[n]["m"].get("loss")]
        print(f"Training loss identical, step for step, to the same run {OLD_LABEL}: {len(same)} of {len(new)} runs.")
    p = fc.score(new, list(new), 10, 1)["auroc_per_run_median"]
    print(f"Median of each spiking run's own AUROC, G = 10, θ = 1 (risk / grad-norm z / loss z / detector): "
          f"{fmt(p.get('risk'))} / {fmt(p.get('grad_z'))} / {fmt(p.get('loss_z'))} / {fmt(p.get('detector'))}.")
    # A control with no information but time: the step itself as the score, on the same scored steps of the spiking runs.
    own = []
    for n, r in new.items():
        found, inside = fc.onsets(r["m"].get("loss", {}), [s for s, k in r["events"] if k == "diverged"])
        if found:
            steps = [t for t in sorted(fc.risk_series(r["m"], 10, 1)) if t not in inside]
            own.append(fc.auroc([(float(t), any(t < o <= t + fc.H for o in found)) for t in steps]))
    pooled = []
    for n, r in new.items():
        found, inside = fc.onsets(r["m"].get("loss", {}), [s for s, k in r["events"] if k == "diverged"])
        pooled += [(float(t), any(t < o <= t + fc.H for o in found)) for t in sorted(fc.risk_series(r["m"], 10, 1)) if t not in inside]
    print(f"Control, the step number as the score, pooled over every run: AUROC {fmt(fc.auroc(pooled))}.")
    arms = [n for n in new if n.startswith("spike")]
    print(f"Both spike arms only ({len(arms)} runs: spikeb and the first spike arm, which absorbs too but does not spike), pooled AUROC of the risk: {fmt(fc.score(new, arms, 10, 1)['auroc']['risk'])}.")
    own = sorted(a for a in own if math.isfinite(a))
    print(f"Control, the step number as the score: median of each spiking run's own AUROC {fmt(own[len(own) // 2] if len(own) % 2 else sum(own[len(own) // 2 - 1:len(own) // 2 + 1]) / 2 if own else math.nan)} ({', '.join(f'{a:.3f}' for a in own)}).")


new = load(NEW)
old = load(OLD) if OLD else None
sets = [(os.environ.get("NEW_LABEL", "with absorption"), new)] + ([(OLD_LABEL, old)] if old else [])
print(f"Runs: {NEW} ({len(new)} mnist runs)" + (f", beside the same arms {OLD_LABEL}: {OLD}" if OLD else "") + f"; H = {fc.H}, truth ≥ 10× the median of the previous {fc.TRUTH_REF} observations.\n")
table(sets)
checks(new, old)
tuned(new)
per_onset(NEW, new)
if COUNTERFACTUAL:
    counterfactual(new, COUNTERFACTUAL)
stable_absorption(new)
