"""Stuck detection and duplicate proposals, as pure functions over the plain JSON attempt records.

A loop whose proposals keep ending in the same failure (the same tests failing with the same assertion, the same
top log line) is spending budget without learning anything: it should stop and say so. And a proposal that makes
the same change as an earlier one can only repeat that attempt's result, so it is never deployed twice.
"""

from __future__ import annotations

import re
import tempfile
from typing import Any

from greenloop.graph.logs import decisive

TESTED = ("fixed", "not_fixed")

_TEMP_ROOTS = sorted({tempfile.gettempdir(), "/tmp", "/var/tmp", "/var/folders", "/private/tmp",
                      "/private/var/folders"}, key=len, reverse=True)
_PATH_CHARS = r"[^\s'\"()\[\]{}<>,;]"
# Parts of a failure that change from run to run while the failure stays the same, each with its stand-in.
_VOLATILE = [
    # an attempt's worktree, `<repo>/.greenloop/runs/<run>/worktrees/<attempt>/`: read as repo-relative paths
    (re.compile(rf"{_PATH_CHARS}*/\.greenloop/runs/[^/\s]+/worktrees/[^/\s]+/"), ""),
    (re.compile(rf"(?<![\w./-])(?:{'|'.join(map(re.escape, _TEMP_ROOTS))})/{_PATH_CHARS}*"), "<tmp>"),
    (re.compile(r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"), "<time>"),
    (re.compile(r"\b\d\d:\d\d:\d\d(?:[.,]\d+)?\b"), "<time>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "0x<hex>"),
    (re.compile(r"\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b", re.IGNORECASE), "<uuid>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b"), "<hex>"),  # commit ids, tokens
    (re.compile(r"((?://[^/\s:@]+|\blocalhost|\b\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)\d+\b"), r"\1<port>"),
    (re.compile(r"\b(port\W{1,2})\d+\b", re.IGNORECASE), r"\1<port>"),
]
_SEEN = re.compile(r"\s+\[seen \d+ times\]$")
_DIGITS = re.compile(r"\d+")
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
FILE_HEADERS = ("diff --git ", "--- ")
SIMILARITY = ("similarity index ", "dissimilarity index ")


def failure_signature(attempt: dict[str, Any], targets: list[str]) -> str | None:
    """What a tested, not-fixed attempt ended with, comparable across attempts; None for any other attempt.

    Each failing test with its assertion, then the top log line: two attempts with the same signature failed the
    same way, whatever their diffs. Values under test are kept (502 → 500 is a different failure); ports, temp
    paths, times and ids are not (they differ on every run). The log line's numbers are all dropped, as `rank`
    does when it groups repeats: in a log they are request ids, counts and times.
    """
    if attempt.get("outcome") != "not_fixed":
        return None
    lines = [f"{name}: {_normalized(how)}" for name, how in _failures(attempt, targets)]
    top = _SEEN.sub("", _top_log_line(attempt))
    return "\n".join([*lines, f"log: {_DIGITS.sub('#', _normalized(top))}"])


def stuck_reason(attempts: list[dict[str, Any]], targets: list[str], after: int) -> str | None:
    """Why the loop should stop as stuck: the last `after` tested attempts ended with the same failure; else None.

    `attempts` in the order they were proposed. Attempts that were never tested (refused, did not apply, failed
    to start) are skipped: they say nothing about whether proposals change the failure.
    """
    if after < 1:
        raise ValueError(f"stuck detection needs at least one attempt to compare, got after={after}")
    last = [a for a in attempts if a.get("outcome") in TESTED][-after:]
    signatures = {failure_signature(a, targets) for a in last}
    if len(last) < after or len(signatures) != 1 or None in signatures:
        return None
    latest = last[-1]
    failures = "; ".join(f"{name} — {how}" if name else how for name, how in _failures(latest, targets))
    top = _top_log_line(latest)
    return (f"stuck: {after} different proposals ({', '.join(a['id'] for a in last)}) ended with the same "
            f"failure: {failures}" + (f"; top log line: {top}" if top else ""))


def _failures(attempt: dict[str, Any], targets: list[str]) -> list[tuple[str, str]]:
    """What kept a tested attempt from being fixed, as (test, assertion): the targets still failing, else its
    regressions; with neither (setup or services changed the tree under the tests), ("", the refusal saying so)."""
    outcomes = attempt.get("outcomes", {})
    tests = [t for t in targets if outcomes.get(t) != "passed"] or sorted(attempt.get("regressions", []))
    return [(test, _assertion(attempt, test)) for test in tests] or [("", attempt.get("refusal", ""))]


def _assertion(attempt: dict[str, Any], test: str) -> str:
    """A test's failure in one line: pytest's first `E` line (the assertion with its values), else the message's
    first line, else its outcome (a skipped test, or one that no longer ran, has no message)."""
    message = attempt.get("messages", {}).get(test, "")
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    e_line = next((line for line in lines if line.startswith("E ")), None)
    if e_line:
        return f"E   {e_line[1:].strip()}"
    return lines[0] if lines else f"({attempt.get('outcomes', {}).get(test, 'did not run')})"


def _top_log_line(attempt: dict[str, Any]) -> str:
    """The first error line of the attempt's ranked log excerpt, `service | text`; empty when there is none."""
    return next(iter(decisive(attempt.get("log_lines", []))), "")


def _normalized(text: str) -> str:
    """`text` with its volatile parts replaced by stand-ins and its whitespace runs by one space."""
    for pattern, stand_in in _VOLATILE:
        text = pattern.sub(stand_in, text)
    return " ".join(text.split())


def duplicate_of(diff: str, attempts: list[dict[str, Any]]) -> str | None:
    """The id of the first of `attempts` (the earlier ones, not the one being checked) whose diff makes the same
    change as `diff`, else None. A diff with no file in it is never a duplicate: deploy says what is wrong with it.
    """
    wanted = normalized_diff(diff)
    if not wanted:
        return None
    return next((a["id"] for a in attempts if normalized_diff(a.get("diff", "")) == wanted), None)


def normalized_diff(diff: str) -> str:
    """The diff with only what decides the resulting files, so two diffs that produce the same files compare equal.

    Dropped: text before the first file header and blank lines after the last, `index` lines (blob ids `git
    apply` does not need, unless a binary change without data leaves them the only account of the content),
    similarity lines, and the section heading after a hunk's second `@@`; hunk ranges get explicit counts.
    Everything else is kept as written: `git apply` rejects a header with trailing whitespace or a blank line
    inside a file's header, and whitespace in a hunk line is content, or context that must match.
    """
    lines = [line for line in _canonical_lines(diff) if not line.startswith(SIMILARITY)]
    opaque = any(line.startswith("Binary files ") for line in lines)
    return "".join(f"{line}\n" for line in lines if opaque or not line.startswith("index "))


def _canonical_lines(diff: str) -> list[str]:
    """The diff's lines from its first file header to its last non-blank line, hunk headers canonical.

    Hunk bodies are counted, so a removed `-- x` line is never read as a header, and kept verbatim except that an
    empty line in a hunk becomes the empty context line `git apply` reads it as.
    """
    kept: list[str] = []
    blank: list[str] = []  # blank lines outside hunks: kept only when more of the diff follows
    old_left = new_left = 0
    for line in diff.split("\n"):  # not splitlines: a form feed or lone \r inside a line is content
        if old_left > 0 or new_left > 0:
            line = line or " "
            old_left -= line[0] in " -"
            new_left -= line[0] in " +"
            kept.append(line)
        elif not line.strip():
            blank += [line] if kept else []
        elif kept or line.startswith(FILE_HEADERS):
            if hunk := HUNK.match(line):
                old_start, old_count, new_start, new_count = hunk.groups()
                old_left, new_left = int(old_count or 1), int(new_count or 1)
                line = f"@@ -{old_start},{old_left} +{new_start},{new_left} @@"
            kept += [*blank, line]
            blank = []
    return kept
