"""Closed intervals (start, end), e.g. booked hours of a meeting room."""


def merge(intervals):
    """Merge intervals that overlap or touch (a shared endpoint counts); sorted result."""
    result = []
    for start, end in sorted(intervals):
        if start > end:
            raise ValueError(f"bad interval ({start}, {end})")
        if result and start < result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def total_length(intervals):
    return sum(end - start for start, end in merge(intervals))


def free_slots(busy, day_start, day_end):
    """Gaps between busy intervals inside [day_start, day_end]."""
    gaps = []
    cursor = day_start
    for start, end in merge(busy):
        if start > cursor:
            gaps.append((cursor, min(start, day_end)))
        cursor = max(cursor, end)
        if cursor >= day_end:
            break
    if cursor < day_end:
        gaps.append((cursor, day_end))
    return gaps


def overlaps(a, b):
    return a[0] <= b[1] and b[0] <= a[1]
