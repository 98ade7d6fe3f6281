"""The local publisher: one commit of exactly the tested tree on a new branch; the checkout untouched."""

from __future__ import annotations

from greenloop.adapters.protocols import Publication
from greenloop.adapters.publishers.local import LocalPublisher
from support import git, make_repo


def test_publishes_the_tree_on_a_new_branch_without_touching_the_checkout(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "a.py").write_text("x = 2  # uncommitted work of the user\n")
    (repo / "wip.txt").write_text("untracked\n")
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    publication = Publication(repo=str(repo), base_commit=base, tree=tree, branch="greenloop/fix-x",
                              message="fix: x\n\nevidence\n")

    first = LocalPublisher().publish(publication)
    second = LocalPublisher().publish(publication.model_copy(update={"message": "fix: x\n\nanother run\n"}))

    assert (first.branch, second.branch) == ("greenloop/fix-x", "greenloop/fix-x-2")
    assert git(repo, "rev-parse", f"{first.branch}^{{tree}}").strip() == tree
    assert git(repo, "rev-parse", f"{first.branch}^").strip() == base
    assert git(repo, "log", "-1", "--format=%B", first.branch).strip() == "fix: x\n\nevidence"
    assert git(repo, "symbolic-ref", "--short", "HEAD").strip() == "main"
    assert git(repo, "rev-parse", "HEAD").strip() == base
    assert "uncommitted work" in (repo / "a.py").read_text() and (repo / "wip.txt").exists()


def test_publishing_the_same_thing_again_reuses_the_branch(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    publication = Publication(repo=str(repo), base_commit=base, tree=git(repo, "rev-parse", "HEAD^{tree}").strip(),
                              branch="greenloop/fix-x", message="fix: x\n\nrun r1\n")
    first = LocalPublisher().publish(publication)
    again = LocalPublisher().publish(publication)  # e.g. publish re-run after a kill
    other = LocalPublisher().publish(publication.model_copy(update={"message": "fix: x\n\nrun r2\n"}))
    assert again == first
    assert other.branch == "greenloop/fix-x-2"
