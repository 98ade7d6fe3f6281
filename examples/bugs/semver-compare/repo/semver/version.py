"""Parse and order semantic versions (https://semver.org precedence rules)."""
import re
from dataclasses import dataclass
from functools import cmp_to_key

_RE = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?")


@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    pre: tuple = ()


def parse(text):
    match = _RE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"not a semantic version: {text!r}")
    major, minor, patch, pre = match.groups()
    return Version(int(major), int(minor), int(patch), tuple(pre.split(".")) if pre else ())


def _cmp_identifiers(x, y):
    if x.isdigit() and y.isdigit():
        return (int(x) > int(y)) - (int(x) < int(y))
    if x.isdigit() != y.isdigit():
        return -1 if x.isdigit() else 1
    return (x > y) - (x < y)


def compare(a, b):
    """-1, 0 or 1 as version a is lower than, equal to or higher than version b."""
    a = parse(a) if isinstance(a, str) else a
    b = parse(b) if isinstance(b, str) else b
    core_a, core_b = (a.major, a.minor, a.patch), (b.major, b.minor, b.patch)
    if core_a != core_b:
        return -1 if core_a < core_b else 1
    if a.pre == b.pre:
        return 0
    if not a.pre:
        return -1
    if not b.pre:
        return -1
    for x, y in zip(a.pre, b.pre):
        result = _cmp_identifiers(x, y)
        if result:
            return result
    return -1 if len(a.pre) < len(b.pre) else 1


def newest(versions):
    return max(versions, key=cmp_to_key(compare))
