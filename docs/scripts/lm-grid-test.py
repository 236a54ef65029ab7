"""Tests of lm-grid.py's detrending, permutation and phase rules on synthetic series (standard library only).

python3 docs/scripts/lm-grid-test.py

Expected values are worked by hand or follow from how the synthetic series are built: two independent random walks
correlate in their levels (spurious regression) but not in their steps; a series against itself beats every shuffle;
independent white noise gives p < 0.05 in about 5 % of pairs.
"""
import importlib.util
import math
import os
import random
import sqlite3
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("lmgrid", os.path.join(HERE, "lm-grid.py"))
g = importlib.util.module_from_spec(spec)
spec.loader.exec_module(g)


def walk(n, rng):
    v, out = 0.0, []
    for _ in range(n):
        v += rng.gauss(0, 1)
        out.append(v)
    return out


class Statistics(unittest.TestCase):
    def test_pearson_by_hand(self):
        # x = 1, 2, 3 and y = 1, 3, 2: deviations (-1, 0, 1) and (-1, 1, 0); sxy = 1, sxx = 2, syy = 2, r = 1/2.
        self.assertAlmostEqual(g.pearson([1, 2, 3], [1, 3, 2]), 0.5)
        self.assertAlmostEqual(g.pearson([1, 2, 3, 4], [3, 1, -1, -3]), -1.0)
        self.assertTrue(math.isnan(g.pearson([1, 2, 3], [5, 5, 5])))
        self.assertTrue(math.isnan(g.pearson([1, 2], [1, 2])))

    def test_lag_pairs_x_t_with_y_t_plus_lag(self):
        x, y = [10, 11, 12, 13], [20, 21, 22, 23]
        self.assertEqual(g.lagged(x, y, -1), ([11, 12, 13], [20, 21, 22]))
        self.assertEqual(g.lagged(x, y, 2), ([10, 11], [22, 23]))
        # y is x shifted 3 later: only lag +3 pairs x_t with its own value.
        rng = random.Random(1)
        x = [rng.gauss(0, 1) for _ in range(60)]
        y = [0.0] * 3 + x[:-3]
        self.assertAlmostEqual(g.pearson(*g.lagged(x, y, 3)), 1.0)
        self.assertLess(abs(g.pearson(*g.lagged(x, y, 0))), 0.4)

    def test_differences(self):
        self.assertEqual(g.differences([1, 4, 9, 16]), [3, 5, 7])

    def test_residuals_remove_a_cubic_and_keep_what_is_orthogonal_to_it(self):
        t = list(range(0, 200, 10))
        cubic = [2 - 0.5 * s + 1e-3 * s * s - 2e-6 * s ** 3 for s in t]
        for r in g.residuals(t, cubic):
            self.assertAlmostEqual(r, 0.0, places=9)
        # residuals are orthogonal to the fitted basis: they sum to 0 and do not correlate with t.
        rng = random.Random(2)
        noisy = [c + rng.gauss(0, 1) for c in cubic]
        res = g.residuals(t, noisy)
        self.assertAlmostEqual(sum(res), 0.0, places=9)
        self.assertAlmostEqual(sum(r * s for r, s in zip(res, t)), 0.0, places=6)

    def test_block_shuffle_moves_whole_blocks(self):
        v = list(range(12))
        s = g.block_shuffle(v, 5, random.Random(3))
        self.assertEqual(sorted(s), v)
        # the blocks are 0..4, 5..9 and 10..11: each comes through intact, starting where a block starts.
        i = 0
        while i < len(s):
            self.assertIn(s[i], {0, 5, 10})
            length = 2 if s[i] == 10 else 5
            self.assertEqual(s[i:i + length], list(range(s[i], s[i] + length)))
            i += length


class RandomWalks(unittest.TestCase):
    """Two independent random walks: levels correlate, first differences and cubic residuals much less."""

    def test_differencing_removes_the_spurious_correlation(self):
        rng = random.Random(42)
        level, diff = [], []
        for _ in range(20):
            x, y = walk(400, rng), walk(400, rng)
            level.append(abs(g.pearson(x, y)))
            diff.append(abs(g.pearson(g.differences(x), g.differences(y))))
        # |r| of independent white noise of n = 399 has mean sqrt(2 / (pi n)) = 0.04; spurious level |r| is ~0.4.
        self.assertLess(sum(diff) / 20, 0.08)
        self.assertGreater(sum(level) / 20, 0.25)

    def test_permutation_p_is_calibrated_on_independent_noise(self):
        rng = random.Random(7)
        small = 0
        pairs = 150
        for _ in range(pairs):
            x = [rng.gauss(0, 1) for _ in range(50)]
            y = [rng.gauss(0, 1) for _ in range(50)]
            _, p = g.permutation_p(x, y, 0, 199, rng)
            small += p < 0.05
        # Binomial(150, 0.05): mean 7.5, sd 2.7; the bounds are about 2.4 sd either side.
        self.assertGreaterEqual(small, 1)
        self.assertLessEqual(small, 14)

    def test_a_series_against_itself_beats_the_shuffles(self):
        rng = random.Random(8)
        x = [rng.gauss(0, 1) for _ in range(50)]
        r, p = g.permutation_p(x, x, 0, 199, rng)
        self.assertAlmostEqual(r, 1.0)
        # no shuffle of 10 blocks but the identity (chance 1/10!) reaches |r| = 1, so p is the floor 1 / (1 + draws).
        self.assertEqual(p, 1 / 200)

    def test_pooled_p(self):
        rng = random.Random(9)
        same = [(x, [v + 0.5 * rng.gauss(0, 1) for v in x]) for x in [[rng.gauss(0, 1) for _ in range(40)] for _ in range(3)]]
        r, p = g.pooled_p(same, 0, 199, rng)
        self.assertGreater(r, 0.7)
        self.assertLessEqual(p, 2 / 200)
        indep = [([rng.gauss(0, 1) for _ in range(40)], [rng.gauss(0, 1) for _ in range(40)]) for _ in range(3)]
        _, p = g.pooled_p(indep, 0, 199, rng)
        self.assertGreater(p, 0.01)


class Phases(unittest.TestCase):
    def test_rise_plateau_collapse(self):
        ratio = [1 + 0.1 * i for i in range(10)] + [2.0] * 10 + [2.0 - 0.1 * i for i in range(1, 11)]
        loss = [3 - 0.1 * i for i in range(10)] + [2.0 - 0.01 * i for i in range(20)]
        p = g.phases(ratio, loss)
        self.assertTrue(p["rise"] and p["plateau"] and p["collapse"])
        # the smoothed peak sits on the flat stretch 10..19, where the loss has fallen 1.0 of its 1.19 at most
        self.assertGreaterEqual(p["peak"], 10)
        self.assertLessEqual(p["peak"], 19)

    def test_a_ratio_still_rising_at_the_end_has_no_rise_and_no_collapse(self):
        ratio = [1 + 0.05 * i for i in range(40)]
        loss = [3 - 0.01 * i for i in range(40)]
        p = g.phases(ratio, loss)
        self.assertFalse(p["rise"])
        self.assertFalse(p["collapse"])

    def test_loss_share_at_the_peak(self):
        # a triangle peaking at index 10 of 21: smoothing keeps the peak there; the loss falls 2 of 4 by then.
        ratio = [1 + i for i in range(11)] + [10 - i for i in range(10)]
        loss = [4 - 0.2 * i for i in range(21)]
        p = g.phases(ratio, loss)
        self.assertEqual(p["peak"], 10)
        self.assertAlmostEqual(p["share_at_peak"], 0.5)


def make_run(root, name, config, metrics):
    """root/name/run.db holding config and metrics {name: [(step, value)]}, as the run store lays them out."""
    folder = os.path.join(root, name)
    os.makedirs(folder)
    db = sqlite3.connect(os.path.join(folder, "run.db"))
    db.executescript("create table config (key text primary key, value text not null);"
                     "create table metric_names (id integer primary key, name text not null unique);"
                     "create table metrics (step integer not null, name_id integer not null, value real, wall_time real not null);")
    db.executemany("insert into config values (?, ?)", list(config.items()))
    for i, (metric, points) in enumerate(metrics.items(), start=1):
        db.execute("insert into metric_names values (?, ?)", (i, metric))
        db.executemany("insert into metrics values (?, ?, ?, 0)", [(st, i, v) for st, v in points])
    db.commit()
    db.close()
    return folder


class MatchedLoss(unittest.TestCase):
    def test_k_star_at_the_first_step_each_run_reaches_the_level(self):
        with tempfile.TemporaryDirectory() as root:
            steps = [10, 20, 30, 40, 50]
            a = make_run(root, "a", {"optimizer": "adamw", "seed": "42"}, {
                g.VAL_LOSS: list(zip(steps, [3.0, 2.8, 2.6, 2.4, 2.2])),
                g.K_STAR: list(zip(steps[1:], [1, 1, 2, 2])), g.ABOVE_BBP: list(zip(steps[1:], [10, 10, 9, 10])),
                g.GAP_RATIO: list(zip(steps[1:], [1.5, 1.6, 1.7, 1.8]))})
            b = make_run(root, "b", {"optimizer": "muon", "seed": "42"}, {
                g.VAL_LOSS: list(zip(steps, [2.9, 2.5, 2.3, 2.1, 2.0])),
                g.K_STAR: list(zip(steps[1:], [3, 2, 2, 1])), g.GAP_RATIO: list(zip(steps[1:], [1.2, 1.3, 1.2, 1.1]))})
            runs = [g.Run(a), g.Run(b)]
            # Levels: the runs' losses at their first window (step 20) are 2.8 and 2.5, the final ones 2.2 and 2.0:
            # evenly inside (2.2, 2.5) -> 2.425, 2.35, 2.275.
            text = g.matched_loss(runs, g.levels_between(2.5, 2.2))
            # 2.425: a first at step 40 (2.4; k* 2, BBP 9, the last windows' k* 1, 1, 2: mode 1), b at step 30 (2.3;
            # k* 2, windows 3, 2: a tie; no BBP count recorded).
            self.assertIn("| 2.425 | a | adamw | 42 | 40 | 2 | 1 | 9 | 1.700 |", text)
            self.assertIn("| 2.425 | b | muon | 42 | 30 | 2 | 2/3 | – | 1.300 |", text)
            # 2.275: a first at 50 (2.2; k* 2), b at 40 (2.1; k* 2); the mean steps are 50 and 40.
            self.assertIn("| 2.275 | a | adamw | 42 | 50 | 2 |", text)
            self.assertIn("| 2.275 | adamw | 1 | 50 | 2 | 10 |", text)
            self.assertIn("| 2.275 | muon | 1 | 40 | 2 | – |", text)


class Levels(unittest.TestCase):
    def test_levels_and_first_reaching(self):
        self.assertEqual(g.levels_between(3.0, 2.0), [2.75, 2.5, 2.25])
        self.assertEqual(g.first_reaching([10, 20, 30], [3.0, 2.4, 2.6], 2.5), 20)
        self.assertIsNone(g.first_reaching([10, 20], [3.0, 2.6], 2.5))


if __name__ == "__main__":
    unittest.main()
