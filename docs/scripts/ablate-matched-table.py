"""The summary table of docs/scripts/ablate-matched.sh: one row per seed from the ablate --json outputs it stores.

    python3 docs/scripts/ablate-matched-table.py docs/results/ablate-matched

Per seed: the Δ mean test loss over the span (arm minus the reference arm) of the top-k arm, of the random planes of the
whole space (mean of the arms) and of the norm-matched arms (mean), and the summed removed norm of the top-k arm and of
each matched arm (equal by construction). Then the mean and sample sd over seeds of each Δ, and of top-k minus matched.
"""
import json
import os
import statistics
import sys


def signed(x):
    return ("−" if x < 0 else "+") + f"{abs(x):.3f}"


def main(root):
    rows = []
    names = [n for n in os.listdir(root) if n.startswith("s") and n.endswith(".json") and n[1:-5].isdigit()]
    for name in sorted(names, key=lambda n: int(n[1:-5])):
        d = json.load(open(os.path.join(root, name)))
        arms = {a["arm"]: a for a in d["arms"]}
        top = arms[f"top-{d['k']}"]
        rand = [a for n, a in arms.items() if n.startswith("random-")]
        match = [a for n, a in arms.items() if n.startswith("matched-")]
        rows.append((name[1:-5], top, rand, match, arms["none"]))
    print("| seed | test acc at t0 + span (reference) | Δ top-3 | Δ random (mean of 2) | Δ matched (mean of 2) | removed ‖·‖ top-3 | removed ‖·‖ matched |")
    print("|---|---|---|---|---|---|---|")
    tops, rands, matches, diffs = [], [], [], []
    for seed, top, rand, match, none in rows:
        dr = statistics.mean(a["d_mean_test_loss"] for a in rand)
        dm = statistics.mean(a["d_mean_test_loss"] for a in match)
        tops.append(top["d_mean_test_loss"]); rands.append(dr); matches.append(dm); diffs.append(top["d_mean_test_loss"] - dm)
        print(f"| {seed} | {none['test_acc']:.3f} | {signed(top['d_mean_test_loss'])} | {signed(dr)} | {signed(dm)} | {top['removed_norm']:.4g} | "
              + ", ".join(f"{a['removed_norm']:.4g}" for a in match) + " |")
    if len(rows) > 1:
        sd = lambda xs: f"{statistics.stdev(xs):.3f}"
        print(f"| mean ± sd over {len(rows)} seeds | | {signed(statistics.mean(tops))} ± {sd(tops)} | {signed(statistics.mean(rands))} ± {sd(rands)} | "
              f"{signed(statistics.mean(matches))} ± {sd(matches)} | | |")
        print()
        print(f"top-3 minus matched, per seed: {', '.join(signed(x) for x in diffs)}; mean {signed(statistics.mean(diffs))} ± {sd(diffs)}")


if __name__ == "__main__":
    main(sys.argv[1])
