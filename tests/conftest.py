"""Shared fixtures: example systems copied into fresh git repositories."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support import EXAMPLES, commit_all, git


@pytest.fixture
def example(tmp_path):
    """Copy examples/<name>/repo into a fresh git repository; returns (repo, ticket, patches). Whatever sandboxes
    and baselines a failing test left in it are taken down afterwards: detached ones outlive every command."""
    built: list[Path] = []

    def build(name: str) -> tuple[Path, Path, Path]:
        source = EXAMPLES / name
        repo = tmp_path / name
        shutil.copytree(source / "repo", repo, ignore=shutil.ignore_patterns("__pycache__", ".greenloop"))
        git(repo, "init", "-q", "-b", "main")
        commit_all(repo)
        built.append(repo)
        return repo, source / "ticket.md", source / "patches"

    yield build
    from greenloop.adapters.sandboxes.shared import baseline_down

    for repo in built:
        baseline_down(repo)
