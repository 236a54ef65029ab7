#!/usr/bin/env python3
"""Per spike onset of the instability forecast's runs (docs/INSTABILITY.md, "Spikes that happen, and the forecast
re-scored"): its size, the first `instability_warning` of the rule with the shipped constants (G = 10, threshold 1) in the
100 steps before it, the risk 5 steps before, the last λ_max(P⁻¹H)/threshold reading and the growth of uᵀHu/uᵀu.
Ground truth and rule are instability-forecast.py's (TRUTH_REF as there).
  python3 docs/scripts/instability-onsets.py RUNS > docs/results/instability/spikes/per-onset.md"""
import importlib.util, os, statistics, sys

RUNS = sys.argv[1] if len(sys.argv) > 1 else "/tmp/forecast-runs"
sys.argv = [sys.argv[0], RUNS]
spec = importlib.util.spec_from_file_location("forecast", os.path.join(os.path.dirname(os.path.abspath(__file__)), "instability-forecast.py"))
fc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fc)
runs = fc.load()
names = sorted(n for n in runs if runs[n]["m"].get("stability/directional_sharpness"))
print(f"Each spike onset (ground truth: ≥ 10× the median of the previous {fc.TRUTH_REF} observations) of the runs in {RUNS}, shipped constants G = 10, θ = 1.\n")
print("| run | onset | peak loss ÷ loss before | first warning within 100 steps before (lead) | risk 5 steps before | λ(P⁻¹H)/threshold, last reading before | uᵀHu/uᵀu ÷ its median of the 20 before |")
print("|---|---|---|---|---|---|---|")
for n in names:
    m = runs[n]["m"]
    loss = m.get("loss", {})
    found, _ = fc.onsets(loss, [s for s, k in runs[n]["events"] if k == "diverged"])
    if not found:
        continue
    rs = fc.risk_series(m, 10, 1)
    warns = [t for t in sorted(rs) if rs[t][1]]
    ratio, dirs = m.get("stability/sharpness_ratio", {}), m.get("stability/directional_sharpness", {})
    prev = -10**9
    for o in found:
        before = [w for w in warns if max(prev, o - 100) <= w < o]
        ks = sorted(k for k in loss if k < o)[-5:]
        pre = statistics.median([loss[k] for k in ks]) if ks else float("nan")
        peak = max(v for k, v in loss.items() if o <= k <= o + 100)
        r5 = rs.get(o - 5, (float("nan"),))[0]
        rk = [k for k in sorted(ratio) if k < o]
        dk = [k for k in sorted(dirs) if k < o]
        growth = dirs[dk[-1]] / statistics.median([dirs[k] for k in dk[-21:-1]]) if len(dk) > 2 else float("nan")
        warned = f"{before[0]} ({o - before[0]})" if before else "—"
        last = f"{ratio[rk[-1]]:.3g} ({rk[-1]})" if rk else "—"
        print(f"| {n} | {o} | {peak / pre:.3g} | {warned} | {r5:.3g} | {last} | {growth:.3g} |")
        prev = o
