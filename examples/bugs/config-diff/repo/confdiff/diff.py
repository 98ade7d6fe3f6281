"""Differences between two nested configuration dicts, addressed by dotted paths ("db.pool.size")."""
import copy
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    kind: str  # "added", "removed" or "changed"
    path: str
    old: Any = None
    new: Any = None


def diff(old, new, prefix=""):
    """Changes that turn `old` into `new`, sorted by path. Nested dicts are compared key by key."""
    changes = []
    for key in sorted(set(old) | set(new)):
        path = f"{prefix}{key}"
        if key not in new:
            changes.append(Change("removed", path, old=old[key]))
        elif key not in old:
            changes.append(Change("added", path, new=new[key]))
        elif isinstance(old[key], dict) and isinstance(new[key], dict):
            changes.extend(diff(old[key], new[key], prefix=f"{key}."))
        elif old[key] != new[key]:
            changes.append(Change("changed", path, old=old[key], new=new[key]))
    return sorted(changes, key=lambda c: c.path)


def summarize(changes):
    """Human-readable lines: "+ path = new", "- path", "~ path: old -> new"."""
    lines = []
    for change in changes:
        if change.kind == "added":
            lines.append(f"+ {change.path} = {change.new!r}")
        elif change.kind == "removed":
            lines.append(f"- {change.path}")
        else:
            lines.append(f"~ {change.path}: {change.old!r} -> {change.new!r}")
    return lines


def apply(config, changes):
    """A copy of `config` with `changes` applied; apply(old, diff(old, new)) == new."""
    result = copy.deepcopy(config)
    for change in changes:
        *parents, leaf = change.path.split(".")
        node = result
        for part in parents:
            node = node.setdefault(part, {})
        if change.kind == "removed":
            del node[leaf]
        else:
            node[leaf] = copy.deepcopy(change.new)
    return result
