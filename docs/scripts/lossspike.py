"""The run diagnosis's loss-spike rule (src/PhaseScope/Diagnosis/LossSpikeDetector.cs, docs/DIAGNOSIS.md "Loss spikes and
divergence") replayed in Python on a stored loss series, for scorers that read runs recorded before the rule changed.
Onsets, peaks and ends only (the divergence flags are not replayed). instability-forecast.py compares the replay with the
`loss_spike` events of runs recorded with the same rule."""
import math

FACTOR, MAD_MULTIPLE, WINDOW, MIN_HISTORY, SETTLE = 4.0, 6.0, 30, 10, 10
SETTLE_BAND = 0.22314355131420976   # -log 0.8


def median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def scatter(xs):
    """sigma-hat = 1.4826 median|d_i - c| / sqrt 2 of the step-to-step changes d of xs (in order), c the median of the
    pairwise means (d_i + d_j) / 2, i <= j (Hodges-Lehmann)."""
    if len(xs) < 2:
        return 0.0
    d = [b - a for a, b in zip(xs, xs[1:])]
    c = median([0.5 * (d[i] + d[j]) for i in range(len(d)) for j in range(i, len(d))])
    return 1.4826 * median([abs(v - c) for v in d]) / math.sqrt(2)


def spikes(series):
    """[(onset, peak step, peak loss, baseline loss, end or None)] of a {step: loss} series observed in step order."""
    recent, found, during, threshold = [], [], [], 0.0

    def push(x):
        recent.append(x)
        del recent[:-WINDOW]

    for step in sorted(series):
        loss = series[step]
        if not math.isfinite(loss):
            continue
        x = math.log(max(loss, 5e-324))
        if found and found[-1][4] is None:
            onset, peak, peak_loss, base, _ = found[-1]
            during.append(x)
            if x - math.log(base) >= threshold / 2:
                if loss > peak_loss:
                    peak, peak_loss = step, loss
                    found[-1] = (onset, peak, peak_loss, base, None)
                trend = median(during[-SETTLE:]) - median(during[-2 * SETTLE:-SETTLE]) if len(during) >= 2 * SETTLE else math.nan
                recovered = x <= math.log(peak_loss) - 2 * math.log(FACTOR)
                settled = abs(trend) <= SETTLE_BAND
                if len(during) < WINDOW or (not recovered and not settled):
                    continue
                found[-1] = (onset, peak, peak_loss, base, step)
                recent.clear()
                for v in during[-SETTLE:]:
                    push(v)
                during = []
                continue
            found[-1] = (onset, peak, peak_loss, base, step)
            during = []
            push(x)
            continue
        if len(recent) >= MIN_HISTORY:
            b = median(recent)
            onset_threshold = max(math.log(FACTOR), MAD_MULTIPLE * scatter(recent))
            if x - b >= onset_threshold:
                threshold, during = onset_threshold, [x]
                found.append((step, step, loss, math.exp(b), None))
                continue
        push(x)
    return found
