"""Checks for docs/scripts/kill-resume.sh (standard library only).

kill-resume-check.py RUN_DIR K            after kill K: the store opens, is intact, holds every loss step up to the newest
                                          complete resume point (the probe interval is 10: steps 10, 20, ...).
kill-resume-check.py --compare REF RUN REF_JSON RUN_JSON STEPS
                                          the resumed run equals the uninterrupted one.
"""
import glob, hashlib, json, os, sqlite3, sys


def newest_point(run):
    best = None
    for manifest in glob.glob(os.path.join(run, "checkpoints", "step_*.resume.json")):
        try:
            m = json.load(open(manifest))
        except ValueError:
            continue
        ok = all(os.path.exists(os.path.join(run, "checkpoints", f)) and
                 hashlib.sha256(open(os.path.join(run, "checkpoints", f), "rb").read()).hexdigest().upper() == s["Sha256"]
                 for f, s in m["Files"].items())
        if ok and (best is None or m["Step"] > best):
            best = m["Step"]
    return best


def contents(run):
    c = sqlite3.connect(f"file:{run}/run.db?mode=ro", uri=True)
    metrics = {(s, n): v for s, n, v in c.execute(
        "SELECT step, name, value FROM metrics JOIN metric_names ON metrics.name_id = metric_names.id WHERE name NOT LIKE 'monitor/%'")}
    events = sorted((s, k, src, msg) for s, k, src, msg in c.execute("SELECT step, kind, source, message FROM events WHERE kind != 'resumed'"))
    return metrics, events


if sys.argv[1] != "--compare":
    run, k = sys.argv[1], sys.argv[2]
    point = newest_point(run)
    c = sqlite3.connect(f"file:{run}/run.db?mode=ro", uri=True)
    integrity = c.execute("PRAGMA integrity_check").fetchone()[0]
    status = c.execute("SELECT status FROM runs").fetchone()[0]
    steps = [s for (s,) in c.execute("SELECT step FROM metrics JOIN metric_names ON metrics.name_id = metric_names.id WHERE name = 'loss' ORDER BY step")]
    upto = [s for s in steps if point is not None and s <= point]
    expected = list(range(10, (point or 0) + 1, 10))
    ok = integrity == "ok" and status == "running" and upto == expected
    print(f"kill {k}: store {integrity}, status {status}, resume point {point}, loss rows up to it {len(upto)}/{len(expected)}, "
          f"rows after it (deleted on resume) {len(steps) - len(upto)} -> {'OK' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)

ref, run, ref_json, run_json, steps = sys.argv[2:7]
a, ea = contents(ref)
b, eb = contents(run)
same = lambda x, y: x == y or (x is None and y is None)
differing = [key for key in set(a) | set(b) if key not in a or key not in b or not same(a[key], b[key])]
ja, jb = json.load(open(ref_json)), json.load(open(run_json))
keys = ["final_train_acc", "final_test_acc", "final_train_loss", "final_test_loss", "grok_step", "steps"]
final = f"step_{int(steps):07d}.safetensors"
ckpt_equal = open(os.path.join(ref, "checkpoints", final), "rb").read() == open(os.path.join(run, "checkpoints", final), "rb").read()
print(f"metrics: {len(a)} uninterrupted, {len(b)} resumed, {len(differing)} differ")
print(f"events: {len(ea)} uninterrupted, {len(eb)} resumed (without 'resumed'), equal: {ea == eb}")
print("summary: " + ", ".join(f"{k} {ja[k]} / {jb[k]}" for k in keys))
print(f"final checkpoint {final} byte-identical: {ckpt_equal}")
ok = not differing and ea == eb and all(ja[k] == jb[k] for k in keys) and ckpt_equal and jb["status"] == "completed"
print("RESULT: " + ("identical" if ok else "DIFFERENT"))
sys.exit(0 if ok else 1)
