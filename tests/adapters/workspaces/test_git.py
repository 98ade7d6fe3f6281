"""Git worktrees as workspaces: base + one whole diff, a tree hash, nothing left after destroy."""

from __future__ import annotations

import shutil

import pytest

from greenloop.adapters.workspaces.git import GitWorkspace, dirty_files, open_repo
from greenloop.loop.errors import PatchError, RepoError
from support import git, make_repo

FIX = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n"
RENAME = "diff --git a/calc.py b/maths.py\nsimilarity index 100%\nrename from calc.py\nrename to maths.py\n"


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", {"calc.py": "def add(a, b):\n    return a - b\n", "README": "hi\n"})


def workspace(repo, name="a1"):
    return GitWorkspace.create(repo, git(repo, "rev-parse", "HEAD").strip(), repo / ".greenloop" / "wt" / name)


def test_apply_diff_tree_and_destroy(repo):
    ws = workspace(repo)
    base_tree = ws.tree()
    ws.apply(FIX)
    assert "a + b" in (ws.path / "calc.py").read_text()
    assert "a - b" in (repo / "calc.py").read_text()  # the user's checkout is untouched
    assert ws.diff() == git(ws.path, "diff", "--cached", ws.base_commit)
    assert ws.tree() != base_tree
    (ws.path / "junk.pyc").write_text("setup artifacts do not change the tested tree")
    tree = ws.tree()
    ws.destroy()
    assert not ws.path.exists()
    assert git(repo, "worktree", "list").count("\n") == 1
    assert git(repo, "cat-file", "-t", tree).strip() == "tree"  # still reachable for publishing
    assert git(repo, "branch", "--format=%(refname:short)").split() == ["main"]  # detached: no branch made


def test_a_diff_that_does_not_apply(repo):
    ws = workspace(repo)
    with pytest.raises(PatchError, match="does not apply"):
        ws.apply(FIX.replace("a - b", "a * b"))
    ws.destroy()


def test_numstat(repo):
    ws = workspace(repo)
    assert ws.numstat(FIX) == [("calc.py", 1, 1)]
    assert [path for path, _, _ in ws.numstat(RENAME)] == ["maths.py"]  # only the new side: see diffs.py
    with pytest.raises(PatchError, match="not a valid patch"):
        ws.numstat("this is not a diff\n@@ nonsense")
    ws.destroy()


def test_recreating_a_leftover_worktree(repo):
    first = workspace(repo)
    first.apply(FIX)
    again = workspace(repo)  # e.g. after a crash: the same path, made clean
    assert "a - b" in (again.path / "calc.py").read_text()
    again.destroy()


def test_dirty_files_ignores_untracked_and_named_files(repo):
    (repo / "calc.py").write_text("changed\n")
    (repo / "new.txt").write_text("untracked\n")
    git(repo, "mv", "README", "README.md")
    assert dirty_files(open_repo(repo), ignore=set()) == ["README", "README.md", "calc.py"]
    assert dirty_files(open_repo(repo), ignore={"calc.py"}) == ["README", "README.md"]


def test_open_repo_errors(tmp_path, repo):
    with pytest.raises(RepoError, match="not a git repository"):
        open_repo(tmp_path / "nowhere")
    (repo / "sub").mkdir()
    with pytest.raises(RepoError, match="not its top level"):
        open_repo(repo / "sub")
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    with pytest.raises(RepoError, match="no commits yet"):
        open_repo(empty)


def test_destroy_never_prunes_the_users_own_worktrees(repo, tmp_path):
    git(repo, "worktree", "add", "-q", "--detach", str(tmp_path / "users-own"), "HEAD")
    (tmp_path / "users-own").rename(tmp_path / "moved-for-now")  # e.g. on an unmounted disk
    ws = workspace(repo)
    ws.destroy()
    ws_missing = workspace(repo, "a2")
    shutil.rmtree(ws_missing.path)  # a crash left the entry, not the folder
    ws_missing.destroy()
    listed = git(repo, "worktree", "list", "--porcelain")
    assert str(tmp_path / "users-own") in listed
    assert str(ws.path) not in listed and str(ws_missing.path) not in listed
