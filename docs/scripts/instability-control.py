"""The table of docs/INSTABILITY.md's "Acting on instability, measured", from the runs of instability-control.sh.

    python3 docs/scripts/instability-control.py RUN_ROOT OUT_DIR     # writes OUT_DIR/control.md and OUT_DIR/control.csv

For each setup (a folder of RUN_ROOT) and each arm (a run in it: none, warn, reduce-lr, skip, rollback, zclip on the
default triggers; warning-reduce-lr, warning-skip, warning-rollback on --instability-trigger warning; fixed-lr-half and
fixed-lr-tenth, no action at η₀/2 and η₀/10):
the final training and test loss and test accuracy of the run's summary, the loss spikes the diagnosis found (its
loss_spike events) and how many fewer than with no action, the actions taken (the on_instability events), the
steps lost (a skipped update is one step; a rollback loses the steps since the resume point it restored, read from
its event), the lowest learning rate an action set and the rate at the end (control/instability_lr, its smallest and
last value; the rates in the events' text for runs that lack the metric), and the steps ZClip clipped.
"""
import csv, json, os, re, sqlite3, sys

ACTIONS = ["none", "warn", "reduce-lr", "skip", "rollback", "zclip", "warning-reduce-lr", "warning-skip", "warning-rollback",
           "fixed-lr-half", "fixed-lr-tenth"]


def read(run):
    db = sqlite3.connect(os.path.join(run, "run.db"))
    status, summary = db.execute("select status, summary_json from runs").fetchone()
    s = json.loads(summary) if summary else {}
    events = db.execute("select step, kind, source, message from events order by step, id").fetchall()
    clipped = db.execute("select count(*) from metrics m join metric_names n on m.name_id = n.id where n.name = 'control/zclip_threshold'").fetchone()[0]
    acted = [e for e in events if e[2] == "on_instability" and e[1] != "instability_recovered"]
    lost = 0
    for step, kind, _, message in acted:
        m = re.search(r"\((?:[^;()]*); (\d+) steps lost\)", message)
        lost += int(m.group(1)) if m else (1 if kind in ("instability_step_skipped", "instability_rolled_back") else 0)
    rates = [float(x) for _, _, _, msg in acted for x in re.findall(r"→ ([0-9.eE+\-]*[0-9])", msg)]
    set_rates = [v for (v,) in db.execute("select m.value from metrics m join metric_names n on m.name_id = n.id where n.name = 'control/instability_lr' order by m.step")]
    if set_rates:
        rates = set_rates
    spikes = [e for e in events if e[1] == "loss_spike"]
    return {
        "status": status, "steps": s.get("steps"), "final_train_loss": s.get("final_train_loss"), "final_test_loss": s.get("final_test_loss"),
        "final_test_acc": s.get("final_test_acc"), "spikes": len(spikes), "spike_steps": " ".join(str(e[0]) for e in spikes),
        "actions": len(acted), "steps_lost": lost, "lowest_lr": min(rates) if rates else None, "final_lr": rates[-1] if rates else None,
        "zclip_clipped": clipped,
        "diverged": status == "diverged",
    }


def g(v, fmt="{:.3g}"):
    return "–" if v is None else fmt.format(v)


def main(root, out):
    rows = []
    for setup in sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))):
        got = {a: read(os.path.join(root, setup, a)) for a in ACTIONS if os.path.exists(os.path.join(root, setup, a, "run.db"))}
        base = got.get("none", {}).get("spikes")
        for a, r in got.items():
            r.update(setup=setup, action=a, spikes_avoided=None if base is None else base - r["spikes"])
            rows.append(r)
    os.makedirs(out, exist_ok=True)
    keys = ["setup", "action", "status", "steps", "final_train_loss", "final_test_loss", "final_test_acc", "spikes", "spikes_avoided",
            "spike_steps", "actions", "steps_lost", "lowest_lr", "final_lr", "zclip_clipped"]
    with open(os.path.join(out, "control.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    lines = ["| setup | arm | final train loss | final test loss | test acc | loss spikes (avoided vs none) | actions | steps lost | lowest lr | last lr set | ZClip clipped steps |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        status = "" if r["status"] == "completed" else f" ({r['status']} at {r['steps']})"
        lines.append(f"| {r['setup']} | {r['action']}{status} | {g(r['final_train_loss'])} | {g(r['final_test_loss'])} | {g(r['final_test_acc'], '{:.3f}')} | "
                     f"{r['spikes']} ({'–' if r['action'] == 'none' else g(r['spikes_avoided'], '{:+d}')}) | {r['actions']} | {r['steps_lost']} | {g(r['lowest_lr'])} | {g(r['final_lr'])} | {r['zclip_clipped']} |")
    text = "\n".join(lines) + "\n"
    open(os.path.join(out, "control.md"), "w").write(text)
    print(text)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
