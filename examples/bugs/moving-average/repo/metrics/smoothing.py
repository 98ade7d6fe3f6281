"""Smoothing and comparison helpers for dashboard time series (oldest value first)."""


def moving_average(values, window):
    """Simple moving average: one mean per full window of `window` consecutive values.

    The result has len(values) - window + 1 entries, the last one covering the most recent values;
    it is empty when there are fewer values than `window`.
    """
    if window < 1:
        raise ValueError("window must be at least 1")
    result = []
    for end in range(window, len(values)):
        chunk = values[end - window:end]
        result.append(sum(chunk) / window)
    return result


def exponential_moving_average(values, alpha):
    """Each point is alpha * value + (1 - alpha) * previous point; the first point is the first value."""
    if not 0 < alpha <= 1:
        raise ValueError("alpha must be in (0, 1]")
    result = []
    for value in values:
        if result:
            result.append(alpha * value + (1 - alpha) * result[-1])
        else:
            result.append(float(value))
    return result


def percent_change(values):
    """Change from each value to the next, in percent; None where the earlier value is 0."""
    changes = []
    for before, after in zip(values, values[1:]):
        if before == 0:
            changes.append(None)
        else:
            changes.append(round((after - before) / before * 100, 2))
    return changes


def downsample(values, factor):
    """Average consecutive groups of `factor` values; the last group may be shorter."""
    if factor < 1:
        raise ValueError("factor must be at least 1")
    groups = [values[i:i + factor] for i in range(0, len(values), factor)]
    return [sum(group) / len(group) for group in groups]
