"""`greenloop demo`: an example system copied into a fresh git repository, ready for a run."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from greenloop.loop.errors import UsageError

IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".greenloop", ".pytest_cache")


def materialize(example: Path, destination: Path | None = None) -> tuple[Path, Path, Path]:
    """Copy `example/repo` into a new git repository; return (repository, ticket file, patches folder; the folder
    may not exist: a task of a suite has none)."""
    from git import Actor, Repo

    parts = {"repo": example / "repo", "ticket": example / "ticket.md", "patches": example / "patches"}
    missing = [str(path) for name, path in parts.items() if name != "patches" and not path.exists()]
    if missing:
        raise UsageError(f"{example} is not a greenloop example: missing {', '.join(missing)}",
                         "run from greenloop's source folder (examples/ lives there), or pass an example folder")
    if destination is None:
        destination = Path(tempfile.mkdtemp(prefix="greenloop-demo-")) / example.resolve().name
    elif destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise UsageError(f"{destination} exists and is not an empty folder", "pass --dir with a new or empty folder")
    shutil.copytree(parts["repo"], destination, ignore=IGNORED, dirs_exist_ok=True)
    repo = Repo.init(destination, initial_branch="main")
    repo.git.add(A=True)
    author = Actor("greenloop demo", "demo@greenloop.invalid")
    repo.index.commit("The example system, with its bug", author=author, committer=author)
    return destination, parts["ticket"].resolve(), parts["patches"].resolve()
