"""Reading a PhaseScope run store (run.db, SQLite) from Python with the standard library only.

Shared by the table scripts in this folder.
"""


def series(db, name):
    """[(step, value)] of metric `name`, in step order ([] when the run has no such metric)."""
    row = db.execute("select id from metric_names where name = ?", (name,)).fetchone()
    if row is None:
        return []
    return db.execute("select step, value from metrics where name_id = ? order by step", (row[0],)).fetchall()


def at(s, step):
    """Value at the last measurement at or before step (None if none)."""
    best = None
    for st, v in s:
        if st <= step:
            best = v
        else:
            break
    return best
