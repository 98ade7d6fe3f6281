"""Changes made elsewhere, read as whole diffs against HEAD: a branch's diff rebuilds the branch's tree exactly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from greenloop.adapters.workspaces.changes import patch_from_branch, patch_from_file, title_for
from greenloop.adapters.workspaces.git import GitWorkspace
from greenloop.loop.errors import RepoError, UsageError
from support import commit_all, git, make_repo

LOGO = bytes(range(256)) * 4


@pytest.fixture
def repo(tmp_path):
    repo = make_repo(tmp_path / "repo", {"calc.py": "def add(a, b):\n    return a - b\n", "old.txt": "bye\n"})
    (repo / "logo.bin").write_bytes(LOGO)
    commit_all(repo, "logo")
    git(repo, "config", "user.name", "t")
    git(repo, "config", "user.email", "t@t")
    return repo


def on_branch(repo: Path, name: str, files: dict[str, str | bytes | None], start: str = "HEAD") -> str:
    """Commit `files` (None deletes) on a new branch from `start`, then return to where HEAD was."""
    back = git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip()
    git(repo, "switch", "-q", "-c", name, start)
    for path, content in files.items():
        target = repo / path
        if content is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    commit_all(repo, name)
    git(repo, "switch", "-q", back)
    return git(repo, "rev-parse", name).strip()


def usage_error(call, *args) -> UsageError:
    with pytest.raises(UsageError) as caught:
        call(*args)
    return caught.value


def test_a_branch_diff_applies_on_head_and_rebuilds_the_branch(repo, tmp_path):
    tip = on_branch(repo, "feature", {
        "calc.py": "def add(a, b):\n    return a + b",  # also drops the final newline
        "old.txt": None,
        "pkg/new.py": "VALUE = 1\n",
        "logo.bin": LOGO[::-1],
        "icon.bin": bytes([0, 255, 1, 254]) * 64,
    })
    for key, value in (("diff.noprefix", "true"), ("color.ui", "always"), ("diff.mnemonicPrefix", "true")):
        git(repo, "config", key, value)  # a user's diff settings must not change the patch

    diff, source = patch_from_branch(repo, "feature")

    assert source == f"feature@{tip[:12]}"
    assert diff.endswith("\n") and "\x1b[" not in diff
    assert "deleted file mode" in diff and "new file mode" in diff and diff.count("GIT binary patch") == 2
    patch = tmp_path / "feature.diff"
    patch.write_text(diff)
    git(repo, "apply", "--check", str(patch))
    ws = GitWorkspace.create(repo, git(repo, "rev-parse", "HEAD").strip(), tmp_path / "ws")
    ws.apply(diff)
    assert ws.tree() == git(repo, "rev-parse", "feature^{tree}").strip()
    ws.destroy()
    assert git(repo, "status", "--porcelain") == ""


def test_an_unknown_branch_lists_existing_ones(repo):
    for n in range(6):
        on_branch(repo, f"b{n}", {"calc.py": f"# {n}\n"})
    error = usage_error(patch_from_branch, repo, "nope")
    assert "no branch 'nope'" in error.problem
    assert error.fix.startswith("pass one of its branches: ") and error.fix.endswith(", …")
    assert error.fix.count(", ") == 5  # five names, then the ellipsis
    assert "no branch '--all'" in usage_error(patch_from_branch, repo, "--all").problem  # never an option


def test_a_branch_without_changes(repo):
    git(repo, "branch", "same")
    assert "no changes that HEAD" in usage_error(patch_from_branch, repo, "same").problem
    git(repo, "branch", "behind", "HEAD~1")  # already contained in HEAD
    assert "no changes that HEAD" in usage_error(patch_from_branch, repo, "behind").problem
    on_branch(repo, "undone", {"calc.py": "changed\n"})
    on_branch(repo, "undone2", {"calc.py": "def add(a, b):\n    return a - b\n"}, start="undone")
    assert "cancel out" in usage_error(patch_from_branch, repo, "undone2").problem


def test_a_branch_behind_head_must_be_rebased_and_the_fix_says_how(repo):
    on_branch(repo, "feature", {"calc.py": "def add(a, b):\n    return a + b\n"}, start="HEAD~1")
    error = usage_error(patch_from_branch, repo, "feature")
    assert "does not contain HEAD" in error.problem and "revert" in error.problem
    command = error.fix.split("rebase the branch on HEAD: ", 1)[1]
    assert "git rebase main feature && git switch main" in command
    subprocess.run(command, shell=True, check=True, capture_output=True)
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    diff, _ = patch_from_branch(repo, "feature")
    assert "+    return a + b" in diff and "logo.bin" not in diff  # HEAD's newer commit is kept, not reverted


def test_the_rebase_command_from_a_detached_head(repo):
    on_branch(repo, "feature", {"calc.py": "x\n"}, start="HEAD~1")
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "switch", "-q", "--detach", head)
    assert f"git rebase {head} feature && git switch --detach {head}" in usage_error(patch_from_branch, repo,
                                                                                     "feature").fix


def test_a_branch_with_no_shared_history(repo):
    git(repo, "switch", "-q", "--orphan", "elsewhere")
    (repo / "other.txt").write_text("unrelated\n")
    commit_all(repo, "orphan")
    git(repo, "switch", "-q", "main")
    assert "shares no history" in usage_error(patch_from_branch, repo, "elsewhere").problem


def test_the_repository_must_be_one(tmp_path):
    with pytest.raises(RepoError, match="not a git repository"):
        patch_from_branch(tmp_path, "main")


def test_a_patch_file_is_read_as_written(tmp_path):
    patch = tmp_path / "fix.diff"
    patch.write_text("--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-a\n+b\n")
    assert patch_from_file(patch) == (patch.read_text(), "fix.diff")


@pytest.mark.parametrize("content, problem", [
    (None, "does not exist"),
    (b"", "is empty"),
    (b"  \n\n", "is empty"),
    (b"please make calc add numbers\n", "is not a diff"),
    (b"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-caf\xe9\n+cafe\n", "is not UTF-8"),
])
def test_patch_file_errors(tmp_path, content, problem):
    patch = tmp_path / "fix.diff"
    if content is not None:
        patch.write_bytes(content)
    error = usage_error(patch_from_file, patch)
    assert problem in error.problem and error.fix


def test_a_patch_file_that_is_a_directory(tmp_path):
    assert "is a directory" in usage_error(patch_from_file, tmp_path).problem


def test_title_for_a_run_without_a_ticket():
    assert title_for("feature@0123456789ab") == "Validate feature@0123456789ab"
