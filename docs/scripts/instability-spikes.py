#!/usr/bin/env python3
"""Per loss spike of a grok run recorded with --stability: the readings before its onset and the live cause label
(docs/INSTABILITY.md). usage: instability-spikes.py RUN_DIR [RUN_DIR...]  (Markdown table on stdout)"""
import math, re, sqlite3, sys

ABSORBED_SHARE = 0.01   # PhaseScope.Stability.SpikeCause.AbsorbedShare


def series(c, name):
    return c.execute("select m.step, m.value from metrics m join metric_names n on m.name_id = n.id where n.name = ? order by m.step", (name,)).fetchall()


def before(points, step):
    """The last (step, value) strictly before step, or (None, nan)."""
    last = (None, math.nan)
    for s, v in points:
        if s >= step: break
        last = (s, v)
    return last


def label(absorbed, margin):
    have_a, have_m = not math.isnan(absorbed), not math.isnan(margin)
    if not have_a and not have_m: return "unknown"
    num, cur = have_a and absorbed >= ABSORBED_SHARE, have_m and margin < 0
    return {(True, True): "both", (True, False): "numerical", (False, True): "curvature"}.get((num, cur), "neither")


def fmt(v, digits=3):
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}g}"


for run in sys.argv[1:]:
    c = sqlite3.connect(f"file:{run}/run.db?mode=ro", uri=True)
    spikes = c.execute("select step, message from events where kind = 'loss_spike' order by step").fetchall()
    ended = {}
    for _, message in c.execute("select step, message from events where kind = 'loss_spike_ended'").fetchall():
        m = re.search(r"from step (\d+) ended at step (\d+): peak (\S+) at step (\d+) \((\S+)× the baseline (\S+)\)", message)
        if m: ended[int(m.group(1))] = (m.group(5), m.group(4), m.group(2))
    absorbed, rule, largest = series(c, "stability/absorbed_fraction"), series(c, "stability/absorbed_rule_fraction"), series(c, "stability/largest_margin")
    margin, ratio, sharp = series(c, "stability/margin"), series(c, "stability/sharpness_ratio"), series(c, "stability/directional_sharpness")
    change = series(c, "stability/directional_model_change")
    loss = series(c, "loss")
    print(f"\n{run}: {len(spikes)} loss spike(s)\n")
    print("| onset | peak × baseline (peak step, end) | eval step | absorbed share | rule share | largest logit margin | margin step | λ_max(P⁻¹H)/threshold | margin | uᵀHu/uᵀu before (max over 100 steps) | gᵀu + ½uᵀHu before | label |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for step, message in spikes:
        e = ended.get(step)
        size = f"{e[0]} ({e[1]}, {e[2]})" if e else "running"
        es, a = before(absorbed, step)
        _, r = before(rule, step)
        _, lm = before(largest, step)
        ms, mg = before(margin, step)
        _, ra = before(ratio, step)
        window = [v for s, v in sharp if step - 100 <= s < step]
        _, sh = before(sharp, step)
        _, ch = before(change, step)
        print(f"| {step} | {size} | {es} | {fmt(a)} | {fmt(r)} | {fmt(lm)} | {ms} | {fmt(ra)} | {fmt(mg)} | {fmt(sh)} ({fmt(max(window) if window else math.nan)}) | {fmt(ch)} | {label(a, mg)} |")
    print("\nevent messages:")
    for step, message in spikes: print(f"- {step}: {message}")
