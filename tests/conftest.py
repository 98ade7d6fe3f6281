"""Shared fixtures: example systems copied into fresh git repositories."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support import EXAMPLES, commit_all, git


@pytest.fixture
def example(tmp_path):
    """Copy examples/<name>/repo into a fresh git repository; returns (repo, ticket, patches)."""

    def build(name: str) -> tuple[Path, Path, Path]:
        source = EXAMPLES / name
        repo = tmp_path / name
        shutil.copytree(source / "repo", repo, ignore=shutil.ignore_patterns("__pycache__", ".greenloop"))
        git(repo, "init", "-q", "-b", "main")
        commit_all(repo)
        return repo, source / "ticket.md", source / "patches"

    return build
