"""Descriptive statistics on lists of numbers (no numpy available on the report box)."""
import math
from collections import Counter


def mean(values):
    if not values:
        raise ValueError("mean of empty data")
    return sum(values) / len(values)


def median(values):
    if not values:
        raise ValueError("median of empty data")
    xs = sorted(values)
    mid = len(xs) // 2
    if len(xs) % 2:
        return xs[mid]
    return (xs[mid - 1] + xs[mid]) / 2


def percentile(values, p):
    """Linear-interpolated percentile, p in [0, 100] (same as numpy's default)."""
    if not values:
        raise ValueError("percentile of empty data")
    if not 0 <= p <= 100:
        raise ValueError("p must be within [0, 100]")
    xs = sorted(values)
    pos = len(xs) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def mode(values):
    counts = Counter(values)
    best = max(counts.values())
    return min(v for v, c in counts.items() if c == best)


def histogram(values, bucket):
    """Counts per bucket start: {0: 3, 10: 1, ...} for bucket width 10."""
    if bucket <= 0:
        raise ValueError("bucket must be positive")
    counts = Counter((v // bucket) * bucket for v in values)
    return dict(sorted(counts.items()))
