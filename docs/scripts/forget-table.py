#!/usr/bin/env python3
"""Markdown table of split-MNIST runs (JSON lines of `phasescope forget --json`): accuracy and phase per strategy and head."""
import json, statistics, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for r in rows: r.setdefault("heads", "single")   # lines written before --heads existed: one shared head
print("| strategy | heads | seed | task A | task B | seed 000 A / B | m∩, d₀, phase before switch | after (∇L_A) | after (∇L_B) |")
print("|---|---|---|---|---|---|---|---|---|")
def ph(r): return f"{r['m_cap']}, {r['d0']:.3f}, {r['phase']}"
for r in rows:
    print(f"| {r['strategy']} | {r['heads']} | {r['seed']} | {r['task_a_acc']:.4f} | {r['task_b_acc']:.4f} | {r['seed_task_a_acc']:.4f} / {r['seed_task_b_acc']:.4f} "
          f"| {ph(r['before_switch'])} | {ph(r['after_switch_task_a_grad'])} | {ph(r['after_switch_task_b_grad'])} |")
print()
print("| strategy | heads | task A mean (range) | task B mean (range) | seed 000 A / B |")
print("|---|---|---|---|---|")
for s, h in dict.fromkeys((r["strategy"], r["heads"]) for r in rows):
    g = [r for r in rows if r["strategy"] == s and r["heads"] == h]
    a = [r["task_a_acc"] for r in g]; b = [r["task_b_acc"] for r in g]
    print(f"| {s} ({len(g)} seeds) | {h} | {statistics.mean(a):.4f} ({min(a):.4f}–{max(a):.4f}) | {statistics.mean(b):.4f} ({min(b):.4f}–{max(b):.4f}) "
          f"| {g[0]['seed_task_a_acc']:.4f} / {g[0]['seed_task_b_acc']:.4f} |")
