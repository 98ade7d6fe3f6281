"""A change made elsewhere, read as one whole diff against the base commit (HEAD), the form every proposal takes.

Both readers fail before a run starts, with a fix, because a change that cannot be read has no verdict to give.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from git import Git, GitCommandError, Repo

from greenloop.adapters.workspaces.diffs import touched_paths
from greenloop.adapters.workspaces.git import open_repo
from greenloop.loop.errors import UsageError

SHOWN_BRANCHES = 5


def patch_from_file(path: Path) -> tuple[str, str]:
    """The diff text of a patch file, as written, and the file's name as its source label."""
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise UsageError(f"patch file {path} {what}",
                         "pass --patch FILE with a diff, for example from `git diff > fix.diff`")
    diff = _utf8(path.read_bytes(), f"patch file {path}")
    if not diff.strip():
        raise UsageError(f"patch file {path} is empty",
                         "write the change into it, for example with `git diff > fix.diff`")
    if not touched_paths(diff):
        raise UsageError(f"patch file {path} is not a diff: it names no file to change",
                         "pass a unified diff against HEAD, as `git diff` prints it")
    return diff, path.name


def patch_from_branch(repo: Path, branch: str) -> tuple[str, str]:
    """The branch's changes as a whole diff against HEAD, and `branch@commit` as the source label.

    The diff starts at the merge-base of HEAD and the branch, which must be HEAD itself: when HEAD has commits the
    branch lacks, no diff against HEAD reproduces the branch without reverting them, so the branch must be rebased
    first. `branch` may be anything git resolves to a commit (a remote branch, a tag, a hash).
    """
    repository = open_repo(repo)
    git = repository.git
    head = git.rev_parse("HEAD")
    tip = _resolve(git, repo, branch)
    try:
        base = git.merge_base(head, tip)
    except GitCommandError:  # exit 1 without output: no common ancestor
        raise UsageError(f"branch {branch!r} shares no history with HEAD of {repo}",
                         "pass a branch that was started from HEAD") from None
    if base == tip:
        raise UsageError(f"branch {branch!r} has no changes that HEAD of {repo} lacks",
                         "commit the change to validate on the branch, or pass another branch")
    if base != head:
        raise UsageError(
            f"branch {branch!r} does not contain HEAD ({head[:12]}) of {repo}: a diff against HEAD would revert "
            f"HEAD's newer commits",
            f"rebase the branch on HEAD: {_rebase_command(repository, repo, branch, head)}",
        )
    # Explicit prefixes and no external tools: a user's diff.noprefix or diff.external must not change the patch.
    raw = git.diff("--binary", "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative",
                   "--src-prefix=a/", "--dst-prefix=b/", base, tip, stdout_as_string=False,
                   strip_newline_in_stdout=False)
    diff = _utf8(raw, f"the diff of branch {branch!r}")
    if not diff.strip():
        raise UsageError(f"branch {branch!r} has no changes against HEAD of {repo}: its commits cancel out",
                         "commit the change to validate on the branch, or pass another branch")
    return diff, f"{branch}@{tip[:12]}"


def title_for(source: str) -> str:
    """A ticket title for a run that validates a change without a ticket."""
    return f"Validate {source}"


def _resolve(git: Git, repo: Path, branch: str) -> str:
    """The commit `branch` names; an unknown name lists the branches that exist."""
    try:
        return git.rev_parse("--verify", "--quiet", "--end-of-options", f"{branch}^{{commit}}")
    except GitCommandError:
        names = git.for_each_ref("--sort=-committerdate", "--format=%(refname:short)", "refs/heads").split()
        shown = ", ".join(names[:SHOWN_BRANCHES]) + (", …" if len(names) > SHOWN_BRANCHES else "")
        raise UsageError(f"no branch {branch!r} in {repo}",
                         f"pass one of its branches: {shown}" if shown else "create the branch first") from None


def _rebase_command(repo: Repo, path: Path, branch: str, head: str) -> str:
    """A command that rebases `branch` on HEAD and then returns to HEAD, since `git rebase` checks the branch out."""
    current = repo.active_branch.name if not repo.head.is_detached else None
    back = f"git switch {shlex.quote(current)}" if current else f"git switch --detach {head}"
    return f"cd {shlex.quote(str(path))} && git rebase {shlex.quote(current or head)} {shlex.quote(branch)} && {back}"


def _utf8(data: bytes, what: str) -> str:
    """Diffs travel as UTF-8 text (requests, evidence, patch files); other bytes would be corrupted on the way."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{what} is not UTF-8 text",
                         "convert the changed files to UTF-8, or mark them binary in .gitattributes "
                         "(`PATH binary`) and diff with --binary") from None
