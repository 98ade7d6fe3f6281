"""Line-based change statistics between two versions of a file, for the code-review page."""
import difflib
from dataclasses import dataclass


@dataclass
class DiffStats:
    added: int
    removed: int
    similarity: float


def _matcher(old, new):
    return difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)


def similarity(old, new):
    """How much of the two versions is unchanged, from 0.0 (nothing in common) to 1.0 (identical)."""
    if not old and not new:
        return 0.0
    return round(_matcher(old, new).ratio(), 3)


def diff_stats(old, new):
    added = removed = 0
    for tag, i1, i2, j1, j2 in _matcher(old, new).get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    return DiffStats(added, removed, similarity(old, new))


def changed_lines(old, new):
    """1-based line numbers in `new` that were added or rewritten."""
    numbers = []
    for tag, _, _, j1, j2 in _matcher(old, new).get_opcodes():
        if tag in ("replace", "insert"):
            numbers.extend(range(j1 + 1, j2 + 1))
    return numbers


def summary(old, new):
    """'no changes', or e.g. '+2 -1 (75% unchanged)'."""
    stats = diff_stats(old, new)
    if stats.similarity == 1.0:
        return "no changes"
    return f"+{stats.added} -{stats.removed} ({stats.similarity:.0%} unchanged)"
