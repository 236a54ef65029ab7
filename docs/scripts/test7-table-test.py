"""Tests of test7-table.py's rules on hand-made run stores (standard library only).

python3 docs/scripts/test7-table-test.py

Each run store holds only what the table reads (metrics and events); the expected values are worked out by hand in
each case from the singular values written into it.
"""
import importlib.util
import json
import os
import sqlite3
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("test7_table", os.path.join(HERE, "test7-table.py"))
table = importlib.util.module_from_spec(spec)
spec.loader.exec_module(table)

OP = "attn_op/layers.0.attn"


def make_run(root, name, summary, metrics, events=()):
    """root/name/run.db with metrics {name: [(step, value)]} and events [(step, kind)]; returns the --json line."""
    folder = os.path.join(root, name)
    os.makedirs(folder)
    db = sqlite3.connect(os.path.join(folder, "run.db"))
    db.executescript("create table metric_names (id integer primary key, name text not null unique);"
                     "create table metrics (step integer not null, name_id integer not null, value real, wall_time real not null);"
                     "create table events (id integer primary key, step integer not null, kind text not null, source text not null,"
                     " message text not null, wall_time real not null);")
    for i, (metric, points) in enumerate(metrics.items(), start=1):
        db.execute("insert into metric_names values (?, ?)", (i, metric))
        db.executemany("insert into metrics values (?, ?, ?, 0)", [(st, i, v) for st, v in points])
    db.executemany("insert into events (step, kind, source, message, wall_time) values (?, ?, 'test', '', 0)", events)
    db.commit()
    db.close()
    return dict(summary, run_dir=folder)


def operator(spectra):
    """The four σ series and σ₁/σ₂ of the attention operator from {step: (σ₁, σ₂, σ₃, σ₄)}."""
    m = {f"{OP}/sigma_{j + 1}": [(st, s[j]) for st, s in sorted(spectra.items())] for j in range(4)}
    m[f"{OP}/ratio12"] = [(st, s[0] / s[1]) for st, s in sorted(spectra.items())]
    return m


class Rules(unittest.TestCase):
    def test_weight_kstar_is_the_largest_of_the_three_ratios(self):
        # step 100: ratios 3/2.9 = 1.03, 2.9/1 = 2.9, 1/0.9 = 1.11 → k* = 2; step 200: 10/2 = 5, 1.05, 1.06 → k* = 1
        sig = [[(100, 3.0), (200, 10.0)], [(100, 2.9), (200, 2.0)], [(100, 1.0), (200, 1.9)], [(100, 0.9), (200, 1.8)]]
        self.assertEqual(table.weight_kstar(sig), [(100, 2), (200, 1)])

    def test_weight_kstar_skips_a_step_with_a_missing_or_zero_value(self):
        sig = [[(100, 3.0), (200, 3.0)], [(100, 2.0), (200, 2.0)], [(100, 1.0)], [(100, 0.0), (200, 0.5)]]
        self.assertEqual(table.weight_kstar(sig), [])

    def test_stays_one_from_is_the_start_of_the_last_run_of_ones(self):
        ks = [(100, 2), (200, 1), (300, 3), (400, 1), (500, 1)]
        self.assertEqual(table.stays_one_from(ks, 500), 400)
        self.assertIsNone(table.stays_one_from(ks, 300))   # k* = 3 at the reference step
        self.assertEqual(table.stays_one_from(ks, 250), 200)

    def test_q_gap_opens_only_from_a_reading_at_or_below_the_threshold(self):
        self.assertIsNone(table.q_gap_opened([(100, 1.6), (200, 1.7)]))      # open from the first reading: no crossing
        self.assertEqual(table.q_gap_opened([(100, 1.6), (200, 1.5), (300, 1.51)]), 300)


class Derived(unittest.TestCase):
    def test_grokking_run_and_its_control(self):
        with tempfile.TemporaryDirectory() as root:
            # Weight decay, groks at 300. k*: step 100 (3, 2.9, 1, 0.9) → 2; 200 (3, 1, 0.9, 0.8) → 1 (3 > 1.11, 1.125);
            # 300 (6, 2, 1.9, 1.8) → 1. g₂₃ = σ₂² − σ₃²: first 2.9² − 1 = 7.41, at 300 4 − 3.61 = 0.39 ≤ 7.41/2: closed;
            # steps 100 → 200 (1 − 0.81 = 0.19) falls, 200 → 300 rises: 1 of 2 changes is a decrease.
            wd = make_run(root, "wd", dict(task="modular", op="add", seed=1, weight_decay=1.0, grok_step=300, steps=400),
                          {**operator({100: (3, 2.9, 1, 0.9), 200: (3, 1, 0.9, 0.8), 300: (6, 2, 1.9, 1.8), 400: (8, 2, 1.9, 1.8)}),
                           "eval/test_acc": [(100, 0.0), (200, 0.1), (300, 0.96), (400, 0.99)],
                           "spectral/k_star": [(200, 3.0), (300, 1.0)],
                           "weights/layers.0.attn.q_proj.weight/ratio12": [(100, 1.2), (200, 1.4), (300, 2.0), (400, 5.0)]},
                          events=[(100, "gap_opened"), (250, "gap_collapsed")])
            # No weight decay, never groks; its reference step is its twin's grok step 300, where k* is 3
            # (σ ratios 1.1, 1.2, 1.5) and g₂₃ = 1.44 − 1 = 0.44 against a first 2.25 − 1 = 1.25: closed too. Its first
            # k* is 1: the ratios 2, 1.5, 2 tie, and the first of the tied positions is taken.
            c = make_run(root, "c", dict(task="modular", op="add", seed=1, weight_decay=0.0, grok_step=None, steps=400),
                         {**operator({100: (3, 1.5, 1, 0.5), 300: (1.32, 1.2, 1.0, 0.666666)}),
                          "eval/test_acc": [(100, 0.0), (400, 0.01)]})
            init, runs = table.split_and_derive([table.read(wd), table.read(c)])
            self.assertEqual(init, {})
            g, ctrl = runs   # sorted: weight decay first
            b = g["blocks"]["layers.0.attn"]
            self.assertEqual((g["ref"], b["k_first"], b["k_ref"], b["k_end"], b["k_one_from"]), (300, 2, 1, 1, 200))
            self.assertTrue(b["migrated"])
            self.assertAlmostEqual(b["g23_first"], 7.41)
            self.assertAlmostEqual(b["g23_ref"], 0.39)
            self.assertTrue(b["g23_closed"])
            self.assertAlmostEqual(b["g23_monotone"], 0.5)
            self.assertAlmostEqual(b["op12_ref"], 3.0)
            self.assertEqual((b["q_ref"], b["q_max_after"], b["q_opened"]), (2.0, 5.0, 300))
            self.assertEqual((g["gram_k_first"], g["gram_k_ref"]), (3.0, 1.0))
            self.assertTrue(g["gap_opened_in_window"])   # step 100 is in [300 − 1000, 300]
            self.assertTrue(g["gap_collapsed_in_window"])
            cb = ctrl["blocks"]["layers.0.attn"]
            self.assertEqual((ctrl["ref"], cb["k_first"], cb["k_ref"]), (300, 1, 3))
            self.assertFalse(cb["migrated"])
            self.assertAlmostEqual(cb["g23_ref"], 0.44)
            self.assertTrue(cb["g23_closed"])

    def test_gram_events_count_only_inside_the_window(self):
        with tempfile.TemporaryDirectory() as root:
            # grok at 2500: the window is [1500, 2500]; gap_opened at 1400 is outside, gap_collapsed at 1500 inside.
            r = make_run(root, "r", dict(task="modular", op="mul", seed=2, weight_decay=1.0, grok_step=2500, steps=2500),
                         {**operator({2500: (4, 2, 1, 0.5)}), "eval/test_acc": [(2500, 0.97)]},
                         events=[(1400, "gap_opened"), (1500, "gap_collapsed")])
            _, (x,) = table.split_and_derive([table.read(r)])
            self.assertFalse(x["gap_opened_in_window"])
            self.assertTrue(x["gap_collapsed_in_window"])
            # k* is 1 (ratios 2, 2, 2: the first tied position) from its first reading: 1 → 1 is no migration
            self.assertEqual((x["blocks"]["layers.0.attn"]["k_first"], x["blocks"]["layers.0.attn"]["k_ref"]), (1, 1))
            self.assertFalse(x["blocks"]["layers.0.attn"]["migrated"])

    def test_init_runs_give_the_spectrum_at_step_one(self):
        with tempfile.TemporaryDirectory() as root:
            # ratios 0.9/0.8 = 1.125, 0.8/0.78 = 1.026, 0.78/0.7 = 1.114 → k* = 1
            r = make_run(root, "init-s7", dict(task="modular", op="add", seed=7, weight_decay=1.0, grok_step=None, steps=1),
                         {**operator({1: (0.9, 0.8, 0.78, 0.7)}), "eval/test_acc": [(1, 0.0)]})
            init, runs = table.split_and_derive([table.read(r)])
            self.assertEqual(runs, [])
            self.assertEqual(init[7]["k"], 1)
            self.assertAlmostEqual(init[7]["ratios"][2], 0.78 / 0.7)

    def test_parameter_count_reads_the_checkpoint_header(self):
        with tempfile.TemporaryDirectory() as root:
            folder = os.path.join(root, "checkpoints")
            os.makedirs(folder)
            header = json.dumps({"__metadata__": {}, "a": {"dtype": "F32", "shape": [3, 4], "data_offsets": [0, 48]},
                                 "b": {"dtype": "F32", "shape": [5], "data_offsets": [48, 68]}}).encode()
            with open(os.path.join(folder, "step_0000010.safetensors"), "wb") as f:
                f.write(len(header).to_bytes(8, "little") + header + bytes(68))
            with open(os.path.join(folder, "step_0000010.monitor.safetensors"), "wb") as f:
                f.write(b"not read")
            self.assertEqual(table.parameter_count(root), 17)   # 3·4 + 5


if __name__ == "__main__":
    unittest.main()
