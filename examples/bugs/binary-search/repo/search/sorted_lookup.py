"""Binary-search helpers for sorted lists."""


def find_index(items, target):
    """Return the index of target in the sorted list items, or -1 if it is absent."""
    lo, hi = 0, len(items) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid] == target:
            return mid
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1


def lower_bound(items, target):
    """First index i with items[i] >= target (len(items) when there is none)."""
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


def contains(items, target):
    return find_index(items, target) != -1


def count_in_range(items, low, high):
    """Number of items with low <= item < high."""
    if high < low:
        raise ValueError("high must not be below low")
    return lower_bound(items, high) - lower_bound(items, low)


def insert_sorted(items, value):
    """Insert value into the sorted list in place, after equal values; returns its index."""
    index = lower_bound(items, value)
    while index < len(items) and items[index] == value:
        index += 1
    items.insert(index, value)
    return index
