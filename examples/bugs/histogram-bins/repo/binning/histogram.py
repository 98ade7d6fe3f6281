"""Equal-width histograms for quick looks at numeric data (response times, order sizes, ...)."""


def bin_edges(lo, hi, bins):
    """bins + 1 equally spaced edges from lo to hi."""
    if bins < 1:
        raise ValueError("bins must be at least 1")
    if hi <= lo:
        raise ValueError("hi must be greater than lo")
    width = (hi - lo) / bins
    return [lo + i * width for i in range(bins)] + [hi]


def histogram(values, bins=10, lo=None, hi=None):
    """Count `values` into `bins` equal-width bins over [lo, hi]; returns (counts, edges).

    lo and hi default to the smallest and largest value. Each bin holds the values from its
    left edge up to, but not including, its right edge, except the last bin, which also holds
    the values equal to hi. Values outside [lo, hi] are not counted.
    """
    values = list(values)
    if not values and (lo is None or hi is None):
        raise ValueError("cannot choose a range for no values")
    lo = min(values) if lo is None else lo
    hi = max(values) if hi is None else hi
    edges = bin_edges(lo, hi, bins)
    width = (hi - lo) / bins
    counts = [0] * bins
    for value in values:
        if value < lo or value > hi:
            continue
        index = min(int((value - lo) / width), bins)
        counts[index] += 1
    return counts, edges


def render(counts, edges, width=40, fmt="{:g}"):
    """A text bar chart, one line per bin: '0-10 | ########## 5'."""
    peak = max(counts, default=0) or 1
    labels = [f"{fmt.format(a)}-{fmt.format(b)}" for a, b in zip(edges, edges[1:])]
    pad = max((len(label) for label in labels), default=0)
    lines = []
    for label, count in zip(labels, counts):
        bar = "#" * round(count / peak * width)
        lines.append(f"{label:>{pad}} | " + f"{bar} {count}".lstrip())
    return "\n".join(lines)
