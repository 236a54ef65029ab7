#!/usr/bin/env python3
"""m∩ strict and with tolerances τ, τ* and d₀ of one stored run (the moments probe's series), as Markdown.

    python3 docs/scripts/moments-tolerance.py RUN_DIR [--csv OUT.csv]

Prints a summary (readings, how many have m∩ ≥ 1 strictly and at each τ, the range of τ*, d₀ and the bound
1 − e^(−d₀/2) ≤ τ* from docs/MATH.md) and one row per reading at and around test accuracy's crossing of 0.95.
"""
import csv, math, sqlite3, sys

run = sys.argv[1]
db = sqlite3.connect(f"file:{run}/run.db?mode=ro", uri=True)
rows = db.execute("select m.step, n.name, m.value from metrics m join metric_names n on n.id = m.name_id "
                  "where n.name like 'moments/%' or n.name = 'eval/test_acc'").fetchall()
series = {}
for step, name, value in rows: series.setdefault(name, {})[step] = value
taus = sorted({n.split("@")[1] for n in series if n.startswith("moments/m_cap_tol@")}, key=float)
steps = sorted(series["moments/m_cap"])
acc = series.get("eval/test_acc", {})
grok = next((s for s in sorted(acc) if acc[s] >= 0.95), None)
def col(name, s): return series.get(name, {}).get(s, float("nan"))

print(f"run {run}: {len(steps)} moments readings, steps {steps[0]}–{steps[-1]}; grok step (test acc ≥ 0.95) {grok}")
print()
print("| quantity | readings with m∩ ≥ 1 | max |")
print("|---|---|---|")
print(f"| m∩ (strict, τ = 0) | {sum(col('moments/m_cap', s) >= 1 for s in steps)}/{len(steps)} | {max(col('moments/m_cap', s) for s in steps):.0f} |")
for t in taus:
    v = [col(f"moments/m_cap_tol@{t}", s) for s in steps]
    mj = max(col(f"moments/m_tol@{t}", s) for s in steps); mi = max(col(f"moments/m_g_tol@{t}", s) for s in steps)
    print(f"| m∩(τ = {float(t):g}) (max \\|J(τ)\\| {mj:.0f}, max \\|I(τ)\\| {mi:.0f}) | {sum(x >= 1 for x in v)}/{len(steps)} | {max(v):.0f} |")
ts = [col("moments/tau_star", s) for s in steps]; d0 = [col("moments/d0", s) for s in steps]
lower = [1 - math.exp(-d / 2) for d in d0]
print()
print(f"τ* range {min(ts):.4f}–{max(ts):.4f} (step of min {steps[ts.index(min(ts))]}); d₀ range {min(d0):.3f}–{max(d0):.3f}; "
      f"bound 1 − e^(−d₀/2) range {min(lower):.4f}–{max(lower):.4f}; bound holds at {sum(t >= l - 1e-12 for t, l in zip(ts, lower))}/{len(steps)}")
print()
print("| step | test acc | m∩ | " + " | ".join(f"m∩(τ={float(t):g})" for t in taus) + " | τ* | d₀ |")
print("|---|---|---|" + "---|" * len(taus) + "---|---|")
for s in steps:
    a = acc.get(s, acc.get(max([k for k in acc if k <= s], default=0), float("nan")))
    print(f"| {s} | {a:.3f} | {col('moments/m_cap', s):.0f} | " + " | ".join(f"{col(f'moments/m_cap_tol@{t}', s):.0f}" for t in taus)
          + f" | {col('moments/tau_star', s):.4f} | {col('moments/d0', s):.3f} |")
if "--csv" in sys.argv:
    with open(sys.argv[sys.argv.index("--csv") + 1], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["step", "m_cap"] + [f"m_cap_tol@{t}" for t in taus] + [f"m_tol@{t}" for t in taus] + [f"m_g_tol@{t}" for t in taus] + ["tau_star", "d0"])
        for s in steps:
            w.writerow([s, col("moments/m_cap", s)] + [col(f"moments/m_cap_tol@{t}", s) for t in taus] + [col(f"moments/m_tol@{t}", s) for t in taus]
                       + [col(f"moments/m_g_tol@{t}", s) for t in taus] + [repr(col("moments/tau_star", s)), repr(col("moments/d0", s))])
