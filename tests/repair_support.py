"""Helpers for the repair engine's candidate tests: find a candidate by the lines its diff changes."""

from __future__ import annotations

import textwrap

from greenloop.adapters.models.repair.candidates import Candidate, Hints, candidates


def changes(candidate: Candidate, original: str) -> tuple[list[str], list[str]]:
    """The removed and added lines of the candidate's diff."""
    lines = candidate.diff(original).splitlines()
    minus = [line[1:] for line in lines if line.startswith("-") and not line.startswith("---")]
    plus = [line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")]
    return minus, plus


def find(src: str, suspicious: dict[int, float], minus: list[str], plus: list[str], hints: Hints | None = None,
         path: str = "pkg/mod.py") -> tuple[int, Candidate]:
    """(rank, candidate) of the candidate whose diff removes exactly `minus` and adds exactly `plus`."""
    found = candidates(path, src, suspicious, hints)
    for rank, candidate in enumerate(found):
        if changes(candidate, src) == (minus, plus):
            return rank, candidate
    shown = "\n".join(f"{c.operator}: {changes(c, src)}" for c in found[:40])
    raise AssertionError(f"no candidate turns {minus} into {plus}; the first ones:\n{shown}")


def code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def line_of(src: str, fragment: str) -> int:
    return next(i for i, line in enumerate(src.splitlines(), 1) if fragment in line)
