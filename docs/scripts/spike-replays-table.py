#!/usr/bin/env python3
"""Each loss spike of a run beside its two replays (docs/INSTABILITY.md, "The README run's spikes, replayed").

    python3 docs/scripts/spike-replays-table.py RUN_DIR REPLAYS_DIR [--every 250]

RUN_DIR is the original run (recorded with --stability and resume points every EVERY steps); REPLAYS_DIR holds, per
onset S, the replays float64-replay.sh wrote from the last resume point R ≤ S − 100 to S + 200: `64-S` (the training
softmax in float64) and `32-S` (float32, the control that must reproduce the original). Prints one Markdown row per
onset: the original spike, whether the control's losses equal the original's bit for bit over (R, S + 200], the
float64 replay's loss spikes in that span (onset and size), its largest loss there beside the original's, and the
largest absorbed share at the replay's evaluations in the span.
"""
import argparse
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rundb  # noqa: E402


def open_db(run):
    return sqlite3.connect(f"file:{run}/run.db?mode=ro", uri=True)


def spikes(db, after, until):
    """[(onset, size text)] of the loss_spike events with after < onset ≤ until; size from the event's message."""
    out = []
    for step, message in db.execute("select step, message from events where kind = 'loss_spike' order by step"):
        if after < step <= until:
            m = re.search(r"is (\S+)× its median", message)
            out.append((step, m.group(1) if m else "?"))
    return out


def window(points, after, until):
    return [(s, v) for s, v in points if after < s <= until]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("replays")
    ap.add_argument("--every", type=int, default=250, help="the run's resume-point spacing (--checkpoint-every)")
    a = ap.parse_args()
    base = open_db(a.run)
    base_loss = rundb.series(base, "loss")
    onsets = [s for (s,) in base.execute("select step from events where kind = 'loss_spike' order by step")]
    print("| onset S | original: size, largest loss in (R, S + 200] | replayed from R | float32 control: losses equal to the original | float64 replay: spikes in (R, S + 200] (onset ×size) | float64: largest loss in (R, S + 200] (step) | float64: largest absorbed share there |")
    print("|---|---|---|---|---|---|---|")
    for s in onsets:
        r = (s - 100) // a.every * a.every
        until = s + 200
        orig = window(base_loss, r, until)
        size = spikes(base, s - 1, s)
        o_peak = max(orig, key=lambda p: p[1])
        cells = [str(s), f"×{size[0][1] if size else '?'}, {o_peak[1]:.3g} (step {o_peak[0]})", str(r)]
        f32, f64 = os.path.join(a.replays, f"32-{s}"), os.path.join(a.replays, f"64-{s}")
        if os.path.exists(os.path.join(f32, "run.db")):
            rep = dict(window(rundb.series(open_db(f32), "loss"), r, until))
            same = sum(1 for st, v in orig if rep.get(st) == v)
            cells.append(f"{same}/{len(orig)}")
        else:
            cells.append("not run")
        if os.path.exists(os.path.join(f64, "run.db")):
            db = open_db(f64)
            rs = spikes(db, r, until)
            cells.append(", ".join(f"{st} ×{z}" for st, z in rs) if rs else "none")
            loss = window(rundb.series(db, "loss"), r, until)
            peak = max(loss, key=lambda p: p[1]) if loss else (None, float("nan"))
            cells.append(f"{peak[1]:.3g} ({peak[0]})")
            absorbed = [v for _, v in window(rundb.series(db, "stability/absorbed_fraction"), r, until)]
            cells.append(f"{max(absorbed):.3g}" if absorbed else "—")
        else:
            cells += ["not run", "—", "—"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
