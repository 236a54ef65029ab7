#!/usr/bin/env python3
"""The closed-form checks of docs/INSTABILITY.md in plain float64 Python (no libraries): for each update rule, the learning
rate at which the iteration on L = ½xᵀAx (frozen diagonal P) starts to diverge, found by bisection, against the rate where
PhaseScope's threshold formula equals λ_max(P⁻¹A). The same setup as tests/PhaseScope.Tests/Stability/StabilityMarginTests."""
import math

A = [[4, 1, 0.5], [1, 3, -0.7], [0.5, -0.7, 2]]
P = [0.5, 2, 0.25]


def lam_max(p):
    """λ_max of D^½AD^½ (D = 1/p) by power iteration on the shifted SPD matrix (all eigenvalues positive here)."""
    d = [1 / math.sqrt(v) for v in p]
    s = [[d[i] * A[i][j] * d[j] for j in range(3)] for i in range(3)]
    x = [1.0, 0.3, -0.2]
    for _ in range(5000):
        y = [sum(s[i][j] * x[j] for j in range(3)) for i in range(3)]
        n = math.sqrt(sum(v * v for v in y)); x = [v / n for v in y]
    y = [sum(s[i][j] * x[j] for j in range(3)) for i in range(3)]
    return sum(a * b for a, b in zip(x, y))


def diverges(kind, eta, beta, w, p, nesterov=False, damp=0.0, c1=1.0):
    x, m = [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]
    for _ in range(20000):
        g = [sum(A[i][j] * x[j] for j in range(3)) for i in range(3)]
        for i in range(3):
            if kind == "adamw":
                m[i] = beta * m[i] + (1 - beta) * g[i]
                x[i] = (1 - eta * w) * x[i] - eta / c1 * m[i] / p[i]
            else:
                gi = g[i] + w * x[i]
                m[i] = beta * m[i] + (1 - damp) * gi
                x[i] -= eta * (gi + beta * m[i] if nesterov else m[i])
        if math.sqrt(sum(v * v for v in x)) > 1e3: return True
    return False


def critical(f):
    lo, hi = 1e-4, 10.0
    for _ in range(25):
        mid = math.sqrt(lo * hi)
        lo, hi = (lo, mid) if f(mid) else (mid, hi)
    return math.sqrt(lo * hi)


print("| rule | λ_max | η* by bisection on the iteration | η* from the threshold | ratio |")
print("|---|---|---|---|---|")
lp, l1 = lam_max(P), lam_max([1, 1, 1])
for beta, w, t in [(0.9, 0, None), (0.9, 1, None), (0, 0, None), (0.5, 0.3, None), (0.9, 0, 2), (0.9, 1, 5)]:
    c1 = 1 - beta ** t if t else 1
    measured = critical(lambda e: diverges("adamw", e, beta, w, P, c1=c1))
    predicted = 2 * c1 * (1 + beta) / ((1 - beta) * lp + c1 * (1 + beta) * w)
    print(f"| AdamW β₁={beta} w={w} {'t=' + str(t) if t else 't→∞'} | λ(P⁻¹A) = {lp:.6f} | {measured:.6f} | {predicted:.6f} | {measured / predicted:.5f} |")
for mu, w, nest, damp in [(0, 0, False, 0), (0.9, 0, False, 0), (0.9, 0.1, False, 0), (0.9, 0, False, 0.5), (0.9, 0, True, 0), (0.5, 0.2, True, 0)]:
    measured = critical(lambda e: diverges("sgd", e, mu, w, [1, 1, 1], nest, damp))
    predicted = 2 * (1 + mu) / ((1 + 2 * mu) * (l1 + w)) if nest else (2 + 2 * mu) / ((1 - damp) * (l1 + w))
    name = f"SGD {'Nesterov' if nest else 'heavy ball'} μ={mu} w={w} d={damp}"
    print(f"| {name} | λ(A) = {l1:.6f} | {measured:.6f} | {predicted:.6f} | {measured / predicted:.5f} |")
