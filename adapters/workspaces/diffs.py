"""Every path a unified diff touches, read from its headers: both sides of renames and copies, deletions too.

`git apply --numstat` names only the new side of a rename, so the test-tamper guard cannot rely on it: moving
`tests/test_x.py` away would look like touching only the destination.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
PATH_HEADERS = ("--- ", "+++ ", "rename from ", "rename to ", "copy from ", "copy to ")
GIT_HEADER = re.compile(r"^diff --git (?:a/)?(.+) (?:b/)?\1$")


def touched_paths(diff: str) -> list[str]:
    """Sorted paths (repository-relative) named by the diff's file headers; hunk bodies are never read as headers."""
    paths: set[str] = set()
    old_left = new_left = 0
    for line in diff.splitlines():
        if old_left > 0 or new_left > 0:  # inside a hunk: a removed "-- x" line looks like a header
            if line.startswith("-"):
                old_left -= 1
            elif line.startswith("+"):
                new_left -= 1
            elif not line.startswith("\\"):
                old_left, new_left = old_left - 1, new_left - 1
            continue
        hunk = HUNK.match(line)
        if hunk:
            old_left = int(hunk.group(1) or 1)
            new_left = int(hunk.group(2) or 1)
            continue
        header = next((h for h in PATH_HEADERS if line.startswith(h)), None)
        if header:
            path = _unquote(line[len(header):].split("\t")[0])
            if path != "/dev/null":
                paths.add(_strip_prefix(path, header))
        elif (match := GIT_HEADER.match(line)) and not line.startswith('diff --git "'):
            paths.add(match.group(1))  # covers binary and mode-only changes, which have no ---/+++ lines
    return sorted(paths)


def _strip_prefix(path: str, header: str) -> str:
    if header in ("--- ", "+++ ") and path[:2] in ("a/", "b/"):
        return path[2:]
    return path


def _unquote(path: str) -> str:
    """git quotes unusual paths C-style, with octal escapes for UTF-8 bytes."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return raw.encode("latin-1").decode("utf-8", "replace")


def is_repro_test(path: str, repro_dir: str) -> bool:
    """A path where a new test file may be added though tests are protected: a `test_*.py` or `*_test.py` directly
    or deeper under `repro_dir` (never a conftest, an ini or a helper module, which could change other tests)."""
    name = PurePosixPath(path).name
    return path.startswith(repro_dir.strip("/") + "/") and name.endswith(".py") and (
        name.startswith("test_") or name.endswith("_test.py"))


def file_sections(diff: str) -> dict[str, str]:
    """Each file's part of a git diff, by path, without its `index` line (abbreviated blob ids may differ in
    length between two diffs of the same content)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            paths = touched_paths(line)
            current = sections.setdefault(paths[-1] if paths else line, [])
        if current is not None and not line.startswith("index "):
            current.append(line)
    return {path: "\n".join(lines) for path, lines in sections.items()}
