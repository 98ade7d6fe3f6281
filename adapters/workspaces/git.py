"""Git worktrees as workspaces, and the few repository facts a run needs (base commit, dirty files, diff paths).

Everything goes through GitPython's command wrapper, which redacts credentials from the errors it raises.
A workspace is a *detached* worktree at the base commit, so it never creates or moves a branch.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from git import GitCommandError, InvalidGitRepositoryError, NoSuchPathError, Repo

from greenloop.adapters.manifest import Manifest
from greenloop.loop.errors import InfraError, PatchError, RepoError


def open_repo(path: Path) -> Repo:
    """The git repository whose top level is `path`; a clear error for anything else."""
    try:
        repo = Repo(path, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError):
        raise RepoError(f"{path} is not a git repository", f"run `git init` and commit your code in {path}") from None
    if Path(repo.working_tree_dir or "").resolve() != path.resolve():
        raise RepoError(
            f"{path} is inside the git repository {repo.working_tree_dir}, not its top level",
            f"point greenloop at {repo.working_tree_dir}",
        )
    if not repo.head.is_valid():
        raise RepoError(f"{path} has no commits yet", "commit your code first: git add -A && git commit -m init")
    return repo


def dirty_files(repo: Repo, ignore: set[str]) -> list[str]:
    """Tracked files whose content differs from HEAD (staged or not), except those in `ignore`."""
    entries = iter(repo.git.status("--porcelain=v1", "-z", "--untracked-files=no").split("\0"))
    paths = []
    for entry in entries:
        if len(entry) > 3:
            paths.append(entry[3:])
            if entry[0] in "RC":  # a rename or copy: its source path follows as its own entry
                paths.append(next(entries, ""))
    return sorted(p for p in paths if p and p not in ignore)


def diff_numstat(repo: Path, diff_file: Path) -> list[tuple[str, int, int]]:
    """(path, added, deleted) for each file of a diff, by its new path (see diffs.py for every path touched)."""
    try:
        out = Repo(repo).git.apply("--numstat", "-z", str(diff_file), strip_newline_in_stdout=False)
    except GitCommandError as error:
        raise PatchError(f"the proposed diff is not a valid patch: {_stderr(error)}") from None
    touched: list[tuple[str, int, int]] = []
    for field in out.split("\0"):
        if field:
            added, deleted, path = field.split("\t", 2)
            touched.append((path, int(added) if added != "-" else 0, int(deleted) if deleted != "-" else 0))
    return touched


def _stderr(error: GitCommandError) -> str:
    text = error.stderr if isinstance(error.stderr, str) else str(error)
    return text.strip().removeprefix("stderr: ").strip("'").strip()


@dataclass
class GitWorkspace:
    """A detached worktree of `repo` at `base_commit`; satisfies the Workspace protocol."""

    repo: Path
    base_commit: str
    path: Path

    @classmethod
    def create(cls, repo: Path, base_commit: str, path: Path, manifest: Manifest | None = None,
               keep_if_tree: str | None = None) -> GitWorkspace:
        """A clean worktree at `path`; or, when one is there already with exactly `keep_if_tree` applied and
        nothing changed since, that one (a step re-run after a kill reuses its worktree and its setup)."""
        existing = cls(repo=repo, base_commit=base_commit, path=path)
        if keep_if_tree and path.is_dir() and existing._intact(keep_if_tree):
            return existing
        git = Repo(repo).git
        if manifest:
            manifest.worktree(repo, path)
        if path.exists():  # left over by a crashed run: start clean
            remove_worktree(repo, path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # --force: also when a crashed run's entry for this path is still registered
            git.worktree("add", "--detach", "--force", str(path), base_commit)
        except GitCommandError as error:
            raise InfraError(f"could not create a worktree at {path}: {_stderr(error)}") from None
        return cls(repo=repo, base_commit=base_commit, path=path)

    def _intact(self, tree: str) -> bool:
        try:
            return self.tree() == tree and not self.drift()
        except (GitCommandError, InvalidGitRepositoryError, NoSuchPathError):
            return False

    def apply(self, diff: str) -> None:
        if not diff.strip():
            return
        with self._patch_file(diff) as patch:
            try:
                Repo(self.path).git.apply("--index", "--whitespace=nowarn", str(patch))
            except GitCommandError as error:
                raise PatchError(f"the diff does not apply to {self.base_commit[:12]}: {_stderr(error)}") from None

    def tree_with(self, diff: str) -> str:
        if not diff.strip():  # no change: base itself (git apply refuses an empty patch)
            return Repo(self.path).git.rev_parse(f"{self.base_commit}^{{tree}}")
        with self._patch_file(diff) as patch, tempfile.TemporaryDirectory(prefix="greenloop-index-") as scratch:
            git = Repo(self.path).git
            with git.custom_environment(GIT_INDEX_FILE=str(Path(scratch) / "index")):
                git.read_tree(self.base_commit)
                try:
                    git.apply("--cached", "--whitespace=nowarn", str(patch))
                except GitCommandError as error:
                    raise PatchError(f"the diff does not apply to {self.base_commit[:12]}: {_stderr(error)}") from None
                return git.write_tree()

    def numstat(self, diff: str) -> list[tuple[str, int, int]]:
        with self._patch_file(diff) as patch:
            return diff_numstat(self.path, patch)

    @contextmanager
    def _patch_file(self, diff: str) -> Iterator[Path]:
        """The diff in a file of its own: candidates of a fan-out are checked against base at the same time."""
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=self.path.parent, prefix=f"{self.path.name}-",
                                         suffix=".diff") as patch:
            patch.write(diff if diff.endswith("\n") else diff + "\n")
            patch.flush()
            yield Path(patch.name)

    def record(self, paths: list[str]) -> None:
        """Take edits made in the working tree to these files (a model's tools) into the index, which is the
        workspace's change: `diff` and `tree` read it. Deleted files are recorded as deletions."""
        git = Repo(self.path).git
        ignored = set(git.check_ignore("--", *paths, with_exceptions=False).splitlines()) if paths else set()
        wanted = [p for p in paths if p not in ignored]  # an ignored file is not part of a change (git add refuses)
        if wanted:
            git.add("-A", "--", *wanted)

    def diff(self) -> str:
        return Repo(self.path).git.diff("--no-color", "--cached", self.base_commit, strip_newline_in_stdout=False)

    def tree(self) -> str:
        return Repo(self.path).git.write_tree()

    def drift(self) -> list[str]:
        """Files that no longer match the workspace's change: tracked files changed in the working tree, and
        untracked files that are not git-ignored and that Python or the test runner could load (modules, `.pth`
        files, extension modules, config files, entry points). Bytecode the interpreter writes by itself, and data
        a run writes (a report, an export), are not drift."""
        git = Repo(self.path).git
        changed = git.diff("--name-only", "-z", strip_newline_in_stdout=False).split("\0")
        untracked = git.ls_files("--others", "--exclude-standard", "-z", strip_newline_in_stdout=False).split("\0")
        return sorted({*filter(None, changed), *(p for p in untracked if p and _loadable(p))})

    def reset(self, keep_ignored: bool = True) -> None:
        """Back to the base commit: tracked files restored, files the last diff added removed. Ignored files (a
        setup's build output, a venv) stay for a model's bench, where setup runs again anyway; `keep_ignored=False`
        removes them too, for a run that must start from a clean slate."""
        git = Repo(self.path).git
        git.reset("--hard", "-q", self.base_commit)
        git.clean("-ffdq" if keep_ignored else "-ffdxq")

    def files_changed(self, tree: str) -> dict[str, str]:
        """Every path that differs between the base commit and `tree`, as git itself sees it (both sides of a
        rename, as renames are not paired up; deletions and mode changes too), with its mode in `tree`: `100644`,
        `100755`, `120000` for a symlink, `160000` for a submodule, `000000` where `tree` has no such path."""
        out = Repo(self.path).git.diff_tree("-r", "-z", "--raw", "--no-renames", self.base_commit, tree,
                                            strip_newline_in_stdout=False)
        fields = out.split("\0")
        return {path: meta.split()[1] for meta, path in zip(fields[::2], fields[1::2]) if meta.startswith(":")}

    def file_at(self, rev: str, path: str) -> str | None:
        """The text of `path` in a commit or tree, or None where it has no such file."""
        try:
            return Repo(self.path).git.cat_file("blob", f"{rev}:{path}", strip_newline_in_stdout=False)
        except (GitCommandError, UnicodeDecodeError):
            return None

    def changed_since(self, tree: str) -> list[str]:
        """Files that differ between `tree` and the workspace's tree now: its index, which `apply` keeps (one git
        call, no tree written)."""
        return Repo(self.path).git.diff("--cached", "--name-only", "--no-renames", tree).splitlines()

    def destroy(self) -> None:
        remove_worktree(Path(self.repo), self.path)


LOADABLE = (".py", ".pth", ".so", ".pyd", ".toml", ".ini", ".cfg", "entry_points.txt")


def _loadable(path: str) -> bool:
    return path.endswith(LOADABLE) and "__pycache__/" not in f"/{path}"


def remove_worktree(repo: Path, path: Path) -> None:
    """Remove one worktree of ours, even when its folder is already gone; never prunes anyone else's."""
    git = Repo(repo).git
    if path.exists():
        with suppress(GitCommandError):
            git.worktree("remove", "--force", str(path))
    if path.exists():  # not a registered worktree (any more): just a folder of ours
        shutil.rmtree(path, ignore_errors=True)
    admin = Path(git.rev_parse("--git-common-dir"))
    admin = admin if admin.is_absolute() else Path(repo) / admin
    for entry in (admin / "worktrees").glob("*/gitdir"):
        if Path(entry.read_text().strip()).parent == path:
            shutil.rmtree(entry.parent, ignore_errors=True)
