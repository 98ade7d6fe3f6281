"""Where the fault probably is: per-test line coverage (Ochiai), boosted by the frames of tracebacks.

Two kinds of evidence, as `notes/repair.md` §1 recommends:
- **Spectra**: one run of the suite under coverage.py with a dynamic context per test (pytest-cov's
  `--cov-context=test`, trace core) says which tests ran each line. A line run by the failing tests and few passing
  ones is suspicious; Ochiai `ef / sqrt(F · (ef + ep))` ranks them.
- **Tracebacks**: the frames of the failing tests' errors and of the services' logged tracebacks. Services run in
  their own processes, out of coverage's sight, so for a service's bug the logged frames are the evidence: the frame
  at depth d (innermost project frame first) scores 1/d, its function's other lines half of that.
"""

from __future__ import annotations

import ast
import math
import re
from collections import defaultdict
from pathlib import Path

from pathspec import GitIgnoreSpec

PY_FRAME = re.compile(r'File "(?P<path>[^"]+\.py)", line (?P<line>\d+)')
PYTEST_FRAME = re.compile(r"^(?P<path>[^\s:]+\.py):(?P<line>\d+): ", re.M)
# The expression that raised, underlined in the innermost frame: pytest's `>` line and carets, then `path:line: Error`;
# Python's last `File` frame, its line and carets, then the exception line.
PYTEST_CRASH = re.compile(r"^(?P<code>>.*)\n(?P<caret> *\^+) *\n(?:(?:E.*)?\n)*(?P<path>[^\s:]+\.py):(?P<line>\d+): \w+$",
                          re.M)
PY_CRASH = re.compile(r'File "(?P<path>[^"]+\.py)", line (?P<line>\d+), in \S+\n(?P<code>.*)\n(?P<caret> *[~^]+) *\n(?=\S)')
COVERAGE_RC = "[run]\ncore = ctrace\n"
"""coverage.py settings for the spectra run: dynamic contexts are complete only with the trace core."""


def coverage_env(root: Path, data_file: Path, rc_file: Path) -> dict[str, str]:
    """Environment that makes the test command's pytest record per-test line coverage of `root` into `data_file`
    (pytest-cov through PYTEST_ADDOPTS, so it works under make or tox too)."""
    rc_file.write_text(COVERAGE_RC)
    return {"COVERAGE_FILE": str(data_file),
            "PYTEST_ADDOPTS": f"--cov={root} --cov-context=test --cov-report= --cov-config={rc_file}"}


def spectra(data_file: Path, root: Path) -> dict[str, dict[int, set[str]]]:
    """Repository-relative path → line → the test ids that ran it (empty when there is no data)."""
    from coverage import CoverageData

    if not data_file.is_file():
        return {}
    data = CoverageData(str(data_file))
    data.read()
    found: dict[str, dict[int, set[str]]] = {}
    for measured in data.measured_files():
        path = Path(measured)
        if not path.is_relative_to(root):
            continue
        lines = {line: {c.rpartition("|")[0] for c in contexts if c} for line, contexts in
                 data.contexts_by_lineno(measured).items()}
        found[path.relative_to(root).as_posix()] = {line: tests for line, tests in lines.items() if tests}
    return found


def frames(texts: list[str], known: set[str]) -> list[tuple[str, int, int]]:
    """(path, line, depth) of each project frame in the tracebacks in `texts`, innermost first (depth 1). Paths are
    matched to `known` repository files by their longest suffix, since a service's traceback names the file in
    whatever worktree it ran from."""
    found: list[tuple[str, int, int]] = []
    for text in texts:
        chain = [(m["path"], int(m["line"])) for m in PY_FRAME.finditer(text)] or [
            (m["path"], int(m["line"])) for m in PYTEST_FRAME.finditer(text)]
        depth = 0
        for path, line in reversed(chain):  # the innermost frame is printed last
            relative = _in_repo(path, known)
            if relative is not None:
                depth += 1
                found.append((relative, line, depth))
    return found


def crash_points(texts: list[str], known: set[str]) -> list[tuple[str, int, str]]:
    """(path, line, expression) where each failure raised, from the carets under its innermost frame: the
    `xs[lo]` of `return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)`."""
    found = []
    for text in texts:
        for match in (*PYTEST_CRASH.finditer(text), *PY_CRASH.finditer(text)):
            caret = match["caret"]
            start = len(caret) - len(caret.lstrip())
            expression = match["code"][start:len(caret)].strip()
            relative = _in_repo(match["path"], known)
            if relative is not None and expression:
                found.append((relative, int(match["line"]), expression))
    return list(dict.fromkeys(found))


def rank(lines_run: dict[str, dict[int, set[str]]], failing: list[str], passing: set[str],
         tracebacks: list[tuple[str, int, int]], protected: list[str], root: Path) -> dict[str, dict[int, float]]:
    """Path → line → suspiciousness, for source files outside the protected paths (tests are never the fix)."""
    spec = GitIgnoreSpec.from_lines(protected)
    failed = set(failing)
    scores: dict[str, dict[int, float]] = defaultdict(dict)
    for path, by_line in lines_run.items():
        if spec.match_file(path):
            continue
        for line, tests in by_line.items():
            ef, ep = len(tests & failed), len(tests & passing)
            if ef:
                scores[path][line] = ef / math.sqrt(len(failed) * (ef + ep))
    functions: dict[str, list[tuple[int, int]]] = {}  # a log repeats its tracebacks: each file is parsed once
    for path, line, depth in tracebacks:
        if spec.match_file(path):
            continue
        boost = 1.0 / depth
        if path not in functions:
            functions[path] = _functions(root / path)
        for other in _function_lines(functions[path], line):
            scores[path][other] = scores[path].get(other, 0.0) + boost / 2
        scores[path][line] = scores[path].get(line, 0.0) + boost
    return {path: dict(lines) for path, lines in scores.items() if lines}


def _in_repo(path: str, known: set[str]) -> str | None:
    parts = Path(path).as_posix().split("/")
    for start in range(len(parts)):
        candidate = "/".join(parts[start:])
        if candidate in known:
            return candidate
    return None


def _functions(file: Path) -> list[tuple[int, int]]:
    """(first, last) line of each function in `file` (none when it cannot be read or parsed)."""
    try:
        tree = ast.parse(file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return []
    return [(node.lineno, node.end_lineno or node.lineno) for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


def _function_lines(functions: list[tuple[int, int]], line: int) -> range:
    """The lines of the innermost function around `line` (just `line` when it is at module level)."""
    around = [(first, last) for first, last in functions if first <= line <= last]
    if not around:
        return range(line, line + 1)
    first, last = max(around)  # the innermost starts last
    return range(first, last + 1)
