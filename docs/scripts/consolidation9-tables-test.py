"""Tests of consolidation9-tables.py's aggregation over seeds, on hand-made run stores (standard library only).

python3 docs/scripts/consolidation9-tables-test.py

Each run store holds only what the tables read (config, a few metrics, report.html and the --json line beside it); the
expected cells are computed by hand below each case.
"""
import importlib.util
import json
import math
import os
import sqlite3
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("tables", os.path.join(HERE, "consolidation9-tables.py"))
tables = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tables)


def make_run(root, name, config, metrics, summary):
    """root/name/run.db with config and metrics {name: [(step, value)]}, root/name/report.html and root/name.json."""
    folder = os.path.join(root, name)
    os.makedirs(folder)
    db = sqlite3.connect(os.path.join(folder, "run.db"))
    db.executescript("create table config (key text primary key, value text not null);"
                     "create table metric_names (id integer primary key, name text not null unique);"
                     "create table metrics (step integer not null, name_id integer not null, value real, wall_time real not null);")
    db.executemany("insert into config values (?, ?)", [(k, str(v)) for k, v in config.items()])
    for i, (metric, points) in enumerate(metrics.items(), start=1):
        db.execute("insert into metric_names values (?, ?)", (i, metric))
        db.executemany("insert into metrics values (?, ?, ?, 0)", [(st, i, v) for st, v in points])
    db.commit()
    db.close()
    open(os.path.join(folder, "report.html"), "w").close()
    with open(os.path.join(root, name + ".json"), "w") as fh:
        fh.write("progress line\n" + json.dumps(summary) + "\n")


def row_of(table, first_cells):
    """The cells of the table row that begins with first_cells."""
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[:len(first_cells)] == first_cells:
            return cells
    raise AssertionError(f"no row {first_cells} in\n{table}")


class SpreadTests(unittest.TestCase):
    def test_mean_and_range_skip_missing_values_and_say_how_many_seeds_have_one(self):
        self.assertEqual(tables.spread([1.0, None, 2.0, float("nan")]), (1.5, 1.0, 2.0, 2))
        self.assertEqual(tables.fmt_spread([0.1, 0.3, 0.2]), "0.2 (0.1 … 0.3)")
        self.assertEqual(tables.fmt_spread([0.25]), "0.25")
        self.assertEqual(tables.fmt_spread([400, None]), "400, 1 of 2")
        self.assertEqual(tables.fmt_spread([None, None]), "–")
        self.assertTrue(math.isnan(tables.spread([])[0]))


class LotteryTests(unittest.TestCase):
    def test_rows_are_per_arm_and_sparsity_and_each_ratio_uses_its_own_seeds_dense_run(self):
        with tempfile.TemporaryDirectory() as root, tempfile.TemporaryDirectory() as out:
            # seed 1: dense C_α mean (0.4 + 0.6)/2 = 0.5, ticket 0.1 → ratio 0.2; seed 2: dense 0.25, ticket 0.1 → 0.4
            for seed, dense_c, ticket_p, ticket_acc, ticket_loss in [(1, [0.4, 0.6], [0.2, 0.4], 0.90, [0.5, 0.15]), (2, [0.25, 0.25], [0.6, 0.6], 0.94, [0.5, 0.3])]:
                base = os.path.join(root, f"seed{seed}")
                os.makedirs(base)
                make_run(base, "dense-s0", {"seed": seed, "arm": "", "sparsity": 0},
                         {"consolidation/p_step_unbiased": [(100, 0.3), (200, 0.3)], "consolidation/c_alpha_step_unbiased": list(zip([100, 200], dense_c)),
                          "eval/train_loss": [(100, 0.5), (200, 0.1)]}, {"test_acc": 0.95, "train_loss": 0.1})
                make_run(base, "ticket-s0.5", {"seed": seed, "arm": "ticket", "sparsity": 0.5},
                         {"consolidation/p_step_unbiased": list(zip([100, 200], ticket_p)), "consolidation/c_alpha_step_unbiased": [(100, 0.1), (200, 0.1)],
                          "eval/train_loss": list(zip([100, 200], ticket_loss))}, {"test_acc": ticket_acc, "train_loss": ticket_loss[-1]})
            tables.lottery(root, out)
            with open(os.path.join(out, "lottery.md")) as fh:
                table = fh.read()
            cells = row_of(table, ["ticket", "0.5"])
            self.assertEqual(cells[2], "1, 2")
            self.assertEqual(cells[3], "0.92 (0.9 … 0.94)")          # test accuracy
            self.assertEqual(cells[5], "0.45 (0.3 … 0.6)")           # p over training: seed 1 (0.2 + 0.4)/2, seed 2 0.6
            self.assertEqual(cells[6], "0.3, 1 of 2")                # seed 1 reaches loss 0.2 at step 200 (p 0.2 and 0.4 within ±100); seed 2 never
            self.assertEqual(cells[7], "200, 1 of 2")
            self.assertEqual(cells[9], "0.3 (0.2 … 0.4)")            # pooled dense C_α would give 0.1 / 0.375 = 0.267
            dense = row_of(table, ["dense", "0"])
            self.assertEqual(dense[9], "1")
            self.assertTrue(os.path.isfile(os.path.join(out, "lottery-runs.csv")))


class DoubleDescentTests(unittest.TestCase):
    def test_rows_are_per_width_with_the_test_error_over_seeds(self):
        with tempfile.TemporaryDirectory() as root, tempfile.TemporaryDirectory() as out:
            for seed, acc in [(1, 0.8), (2, 0.7), (3, 0.9)]:
                base = os.path.join(root, f"seed{seed}")
                os.makedirs(base)
                make_run(base, "w4", {"seed": seed, "hidden": 4},
                         {"consolidation/p_step_unbiased": [(50, 0.1 * seed), (600, 0.1 * seed)], "consolidation/c_alpha_step_unbiased": [(50, 1.0), (600, 1.0)],
                          "eval/train_loss": [(100, 2.0), (600, 1.5)]}, {"test_acc": acc, "train_acc": 0.5, "parameters": 3190})
            tables.double_descent(root, out)
            with open(os.path.join(out, "double-descent.md")) as fh:
                cells = row_of(fh.read(), ["4"])
            self.assertEqual(cells[1:3], ["3190", "1, 2, 3"])
            self.assertEqual(cells[4], "0.2 (0.1 … 0.3)")            # test error 1 − acc: 0.2, 0.3, 0.1
            self.assertEqual(cells[5], "0.2 (0.1 … 0.3)")            # p: 0.1, 0.2, 0.3 at both steps
            self.assertEqual(cells[6], "0.2 (0.1 … 0.3)")            # last 500 steps (100 … 600) hold the step-600 reading
            self.assertEqual(cells[7], "–")                          # train loss never ≤ 1.0


if __name__ == "__main__":
    unittest.main()
