"""A compact map of a repository for a model's prompt: which files exist and, for Python, what they define where.

The map lets a model pick the files to open instead of guessing paths, at a cost fixed in advance: it is cut to fit
`max_chars` by giving up symbols before file names, so the layout survives even in a large repository.
"""

from __future__ import annotations

import ast
import bisect
from itertools import groupby
from pathlib import Path, PurePosixPath

from git import Git

MAX_PARSED_BYTES = 200_000
"""Larger Python files are mostly generated or vendored: listed, not parsed."""


def repo_map(root: Path, max_chars: int = 6000) -> str:
    """The tracked files of the worktree at `root`, grouped by folder, never longer than `max_chars`.

    A Python file with top-level classes or functions gets its own line:
    `shop/pricing/app.py: class Quote(…) L12 [total, lines]; def discount L40; def main L88`.
    Every other file is named on its folder's line: `shop/pricing/: README.md, rates.toml`.

    When everything does not fit, symbols go first, kept for the shallowest files with the shortest symbol lists as
    long as they fit (the package surface over deep internals, and several small files over one big one); when even
    the bare names do not fit, the map lists as many as it can and ends with `… N more files`.
    """
    files = sorted(_tracked(root), key=lambda path: (_folder(path), path))
    symbols = {path: line for path in files if path.endswith(".py") and (line := _symbols(root / path))}
    if len(_render(files, {}, len(files))) > max_chars:
        fitting = bisect.bisect_right(range(len(files)), max_chars, key=lambda shown: len(_render(files, {}, shown)))
        return _render(files, {}, fitting - 1) if fitting else ""
    kept: dict[str, str] = {}
    for path in sorted(symbols, key=lambda path: (path.count("/"), len(symbols[path]), path)):
        kept[path] = symbols[path]
        if len(_render(files, kept, len(files))) > max_chars:
            del kept[path]
    return _render(files, kept, len(files))


def _tracked(root: Path) -> list[str]:
    """Paths git tracks, relative to `root`; NUL-separated so unusual names arrive unquoted."""
    return [path for path in Git(str(root)).ls_files("-z").split("\0") if path]


def _folder(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def _symbols(path: Path) -> str:
    """`class Name(…) L12 [methods]; def name L40` for the file's top-level definitions; empty when it has none or
    cannot be read or parsed (a syntax error is a normal state of a file being debugged, not a reason to fail)."""
    try:
        if path.stat().st_size > MAX_PARSED_BYTES:
            return ""
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return ""
    parts = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            bases = "(…)" if node.bases or node.keywords else ""
            methods = [item.name for item in node.body if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)]
            listed = f" [{', '.join(methods)}]" if methods else ""
            parts.append(f"class {node.name}{bases} L{node.lineno}{listed}")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            parts.append(f"def {node.name} L{node.lineno}")
    return "; ".join(parts)


def _render(files: list[str], symbols: dict[str, str], shown: int) -> str:
    """The first `shown` files, one folder at a time: those in `symbols` on lines of their own, then the folder's
    other names on one line, then how many files were left out."""
    lines = []
    for folder, group in groupby(files[:shown], key=_folder):
        paths = list(group)
        lines += [f"{path}: {symbols[path]}" for path in paths if path in symbols]
        names = [PurePosixPath(path).name for path in paths if path not in symbols]
        if names:
            lines.append(f"{folder or '.'}/: {', '.join(names)}")
    if shown < len(files):
        left = len(files) - shown
        lines.append(f"… {left} more file{'' if left == 1 else 's'}")
    return "\n".join(lines)
