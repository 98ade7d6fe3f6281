"""The two file tools a Claude agent gets inside one worktree: Anthropic's text editor and a search.

The model may read anything in the repository but write only where the verdict contract allows. Every path is
resolved (symlinks followed) and must stay inside the worktree and out of `.git`; tests and test config are
read-only, except a new test file under the repro folder, where the agent writes the test that reproduces the
ticket. A refusal is an error result with its reason, which the model reads and acts on, never an exception: one
bad call must not end a run.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from pathspec import GitIgnoreSpec

from greenloop.adapters.workspaces.diffs import is_repro_test

MAX_MATCHES = 100
MAX_LINE = 300  # a minified line must not eat the whole search result
VIEW_LESS = "use view_range to view fewer lines, or view a subfolder"
SEARCH_LESS = "narrow the search with path, glob or a more specific pattern"

EDITOR = {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"}
# At least one of pattern/glob is required, but the API refuses a top-level anyOf: the description says so and
# `search` checks it.
SEARCH = {
    "name": "search",
    "description": "Search the repository's files (tracked and untracked, .gitignore respected). Give a pattern, a "
                   "glob, or both. With a pattern, print each matching line as `path:line: text`; with only a glob, "
                   f"list the matching files. At most {MAX_MATCHES} results are shown.",
    "input_schema": {"type": "object", "properties": {
        "pattern": {"type": "string", "description": "A Python regular expression searched for in each line."},
        "glob": {"type": "string", "description": 'Only files matching this gitignore-style glob, relative to the '
                                                  'repository root, e.g. "**/*.py" or "src/**/test_*.py".'},
        "path": {"type": "string", "description": "Only files under this folder (or this one file), relative to "
                                                  "the repository root."},
    }},
}


class ToolError(Exception):
    """A call the model is told no to; the message is the result it reads."""


class WorkspaceTools:
    """Runs one agent's editor and search calls inside the worktree `root`, and remembers what it changed."""

    def __init__(self, root: Path, base_commit: str, protected: list[str], repro_dir: str | None = None,
                 max_chars: int = 16000):
        self.root = root.resolve()
        self.base_commit = base_commit
        self.protected = GitIgnoreSpec.from_lines(protected)
        self.repro_dir = repro_dir.strip("/") + "/" if repro_dir else None
        """Where new test files may be written though tests are protected: only while writing a reproduction."""
        self.max_chars = max_chars
        self.edited: set[str] = set()  # repository-relative paths; the caller stages them in git

    def editor(self, tool_input: dict) -> tuple[str, bool]:
        """One text editor call as (result text, is_error)."""
        commands = {"view": self._view, "str_replace": self._str_replace, "create": self._create,
                    "insert": self._insert}
        command = tool_input.get("command")
        if command not in commands:
            return f"unknown command {command!r}: use view, str_replace, create or insert", True
        return self._answer(commands[command], tool_input, VIEW_LESS)

    def search(self, tool_input: dict) -> tuple[str, bool]:
        """One search call as (result text, is_error); no match is a plain answer, not an error."""
        return self._answer(self._search, tool_input, SEARCH_LESS)

    def _answer(self, call: Callable[[dict], str], tool_input: dict, hint: str) -> tuple[str, bool]:
        """The call's text, cut to max_chars; a refusal or a failed file operation (a parent that is a file, a name
        with a NUL byte, a full disk) is an error result too."""
        try:
            return self._clip(call(tool_input), hint), False
        except ToolError as error:
            return str(error), True
        except (OSError, ValueError) as error:
            return f"{type(error).__name__}: {error}", True

    def _resolve(self, path: str, write: bool = False) -> tuple[Path, str]:
        """The real path and its repository-relative name, or a refusal. The check is on the resolved path, so
        neither `..` nor a symlink leads out of the worktree or around the protected globs."""
        if Path(path).is_absolute():
            raise ToolError(f"refused: {path}: use a path relative to the repository root")
        target = (self.root / path).resolve()
        if not target.is_relative_to(self.root):
            raise ToolError(f"refused: {path} leads outside the repository")
        rel = target.relative_to(self.root).as_posix()
        if ".git" in PurePosixPath(rel).parts:
            raise ToolError(f"refused: {path}: .git is off limits")
        if write and self.protected.match_file(rel) and not self._new_repro_test(rel):
            allowed = (f" (a new test file may be created under {self.repro_dir} as test_*.py or *_test.py)"
                       if self.repro_dir else "")
            raise ToolError(f"refused: {rel}: protected path: tests and test config are read-only{allowed}")
        if write and self._ignored(rel):
            raise ToolError(f"refused: {rel} is git-ignored, so it would not be part of the change greenloop tests "
                            "and publishes")
        return target, rel

    def _ignored(self, rel: str) -> bool:
        return subprocess.run(["git", "-C", str(self.root), "check-ignore", "-q", "--", rel],
                              capture_output=True).returncode == 0

    def _new_repro_test(self, rel: str) -> bool:
        """A test file under the repro folder that the base commit lacks: the reproduction the agent may write
        (and edit again), which can change no test the verdict relies on."""
        if self.repro_dir is None or not is_repro_test(rel, self.repro_dir):
            return False
        at_base = subprocess.run(["git", "-C", str(self.root), "cat-file", "-e", f"{self.base_commit}:{rel}"],
                                 capture_output=True)
        return at_base.returncode != 0

    def _view(self, tool_input: dict) -> str:
        (path,) = _arguments(tool_input, path=str)
        target, rel = self._resolve(path)
        if target.is_dir():
            return self._listing(target, rel)
        lines = _lines(_read(target, path))
        if not lines:
            return f"{rel} is empty"
        first, last = 1, len(lines)
        if (span := tool_input.get("view_range")) is not None:
            if not (isinstance(span, list) and len(span) == 2 and all(isinstance(n, int) for n in span)):
                raise ToolError("view_range must be [start, end], 1-based (end -1 = to the end of the file)")
            first, last = span[0], len(lines) if span[1] == -1 else min(span[1], len(lines))
            if not 1 <= first <= last:
                raise ToolError(f"invalid view_range {span}: {rel} has {len(lines)} lines")
        return _numbered(lines, first, last)

    def _listing(self, folder: Path, rel: str) -> str:
        """Two levels of the folder, hidden entries left out; a symlinked folder is not entered, lest the listing
        show what lies outside the repository."""
        entries: list[Path] = []
        for child in sorted(folder.iterdir()):
            if not child.name.startswith("."):
                entries.append(child)
                if child.is_dir() and not child.is_symlink():
                    entries += sorted(c for c in child.iterdir() if not c.name.startswith("."))
        names = [e.relative_to(folder).as_posix() + ("/" if e.is_dir() else "") for e in entries]
        return f"Files and directories up to 2 levels deep in {rel}, hidden items excluded:\n" + "\n".join(names)

    def _str_replace(self, tool_input: dict) -> str:
        path, old, new = _arguments(tool_input, path=str, old_str=str, new_str=str)
        target, rel = self._resolve(path, write=True)
        text = _read(target, path)
        if not old:
            raise ToolError("old_str is empty: give the exact text to replace")
        starts = [match.start() for match in re.finditer(re.escape(old), text)]
        lines = [text.count("\n", 0, at) + 1 for at in starts]
        if not starts:
            raise ToolError(f"no match for old_str in {rel}: view the file and copy the text exactly, whitespace "
                            "included")
        if len(starts) > 1:
            raise ToolError(f"{len(starts)} matches for old_str in {rel} (lines {', '.join(map(str, lines))}), make "
                            "old_str unique by including more of the surrounding lines")
        updated = text[: starts[0]] + new + text[starts[0] + len(old):]
        self._write(target, rel, updated)
        return f"Edited {rel}:\n" + _snippet(updated, lines[0], lines[0] + new.count("\n"))

    def _create(self, tool_input: dict) -> str:
        path, text = _arguments(tool_input, path=str, file_text=str)
        target, rel = self._resolve(path, write=True)
        if target.is_dir():
            raise ToolError(f"{path} is a directory")
        existed = target.exists()
        self._write(target, rel, text)
        return f"{'Overwrote' if existed else 'Created'} {rel} ({len(_lines(text))} lines)"

    def _insert(self, tool_input: dict) -> str:
        if "new_str" not in tool_input and "insert_text" in tool_input:  # the 20250728 editor's name for it
            tool_input = {**tool_input, "new_str": tool_input["insert_text"]}
        path, after, new = _arguments(tool_input, path=str, insert_line=int, new_str=str)
        target, rel = self._resolve(path, write=True)
        lines = _lines(_read(target, path))
        if not 0 <= after <= len(lines):
            raise ToolError(f"insert_line {after} is out of range: {rel} has {len(lines)} lines (0 = at the top)")
        if after and not lines[after - 1].endswith("\n"):  # a last line without its newline
            lines[after - 1] += "\n"
        block = new if new.endswith("\n") else new + "\n"
        updated = "".join(lines[:after]) + block + "".join(lines[after:])
        self._write(target, rel, updated)
        return f"Inserted after line {after} of {rel}:\n" + _snippet(updated, after + 1, after + block.count("\n"))

    def _write(self, target: Path, rel: str, text: str) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode())  # bytes, not write_text: "\r\n" files keep their line endings
        self.edited.add(rel)

    def _search(self, tool_input: dict) -> str:
        pattern, glob, path = (tool_input.get(key) for key in ("pattern", "glob", "path"))
        if any(value is not None and not isinstance(value, str) for value in (pattern, glob, path)):
            raise ToolError("pattern, glob and path must be strings")
        if not (pattern or glob):
            raise ToolError("give a pattern (a regular expression), a glob, or both")
        try:
            regex = re.compile(pattern) if pattern else None
        except re.error as error:
            raise ToolError(f"invalid regex {pattern!r}: {error}") from None
        files = self._files(path or ".", glob)
        hits = iter(files) if regex is None else (f"{name}:{number}: {line[:MAX_LINE]}" for name in files
                                                   for number, line in self._grep(name, regex))
        shown = list(itertools.islice(hits, MAX_MATCHES))
        if not shown:
            return "no matches"
        more = sum(1 for _ in hits)
        return "\n".join(shown) + (f"\n... {more} more not shown: {SEARCH_LESS}" if more else "")

    def _files(self, path: str, glob: str | None) -> list[str]:
        """Tracked and untracked files under `path` matching `glob`, as git sees them: .gitignore respected. A
        symlink is skipped, since what it points to is listed itself or lies outside the repository."""
        _, rel = self._resolve(path)
        listed = subprocess.run(["git", "-C", str(self.root), "ls-files", "-co", "--exclude-standard", "-z"],
                                check=True, capture_output=True, text=True).stdout
        spec = GitIgnoreSpec.from_lines([glob]) if glob else None
        return [name for name in sorted(set(filter(None, listed.split("\0"))))
                if (rel == "." or name == rel or name.startswith(rel + "/")) and (spec is None or spec.match_file(name))
                and (self.root / name).is_file() and not (self.root / name).is_symlink()]

    def _grep(self, name: str, regex: re.Pattern[str]) -> list[tuple[int, str]]:
        """(line number, line) of each match; binary and non-UTF-8 files have none."""
        data = (self.root / name).read_bytes()
        if b"\0" in data:
            return []
        try:
            text = data.decode()
        except UnicodeDecodeError:
            return []
        lines = (line.rstrip("\r\n") for line in _lines(text))
        return [(number, line) for number, line in enumerate(lines, 1) if regex.search(line)]

    def _clip(self, text: str, hint: str) -> str:
        """At most max_chars, cut at a line end, with a note that says how to ask for less."""
        if len(text) <= self.max_chars:
            return text
        cut = text[: self.max_chars].rsplit("\n", 1)[0]
        return f"{cut}\n<output cut at {self.max_chars} characters: {hint}>"


def _arguments(tool_input: dict, **kinds: type) -> list:
    """The named inputs in order; a missing or mistyped one is an error result, not a KeyError mid-run."""
    missing = [key for key in kinds if key not in tool_input]
    if missing:
        raise ToolError(f"missing input: {', '.join(missing)}")
    wrong = [f"{key} must be {kind.__name__}" for key, kind in kinds.items() if not isinstance(tool_input[key], kind)]
    if wrong:
        raise ToolError("; ".join(wrong))
    return [tool_input[key] for key in kinds]


def _read(target: Path, path: str) -> str:
    if not target.is_file():
        raise ToolError(f"{path} is a directory" if target.is_dir() else f"no such file: {path}")
    try:
        return target.read_bytes().decode()
    except UnicodeDecodeError:
        raise ToolError(f"{path} is not a UTF-8 text file") from None


def _lines(text: str) -> list[str]:
    """Lines with their "\\n", split on "\\n" only: str.splitlines also splits on form feeds and other separators,
    which would number lines differently from the editor and git."""
    *lines, last = text.split("\n")
    return [line + "\n" for line in lines] + ([last] if last else [])


def _numbered(lines: list[str], first: int, last: int) -> str:
    """Lines first..last (1-based) numbered like `cat -n`."""
    return "\n".join(f"{number:6}\t" + lines[number - 1].rstrip("\r\n") for number in range(first, last + 1))


def _snippet(text: str, first: int, last: int, context: int = 4) -> str:
    """The changed lines first..last with a few lines around them, so the model sees the edit landed as meant."""
    lines = _lines(text)
    return _numbered(lines, max(1, first - context), min(len(lines), last + context))
