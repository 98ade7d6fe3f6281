"""Publish a validated tree as a local branch, without touching the user's checkout, index or stash."""

from __future__ import annotations

from git import GitCommandError, Repo

from greenloop.adapters.protocols import Publication, Published
from greenloop.loop.errors import InfraError

FALLBACK_IDENTITY = ("greenloop", "greenloop@localhost")


class LocalPublisher:
    """One commit holding exactly the tested tree, on a new branch `greenloop/<ticket-slug>`."""

    def publish(self, publication: Publication) -> Published:
        repo = Repo(publication.repo)
        name, email = _identity(repo)
        identity = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
                    "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
        try:
            published = _already_published(repo, publication)
            if published:  # a re-run after a kill: the branch is there, make no second one
                return published
            with repo.git.custom_environment(**identity):
                commit = repo.git.commit_tree(publication.tree, "-p", publication.base_commit,
                                              "-m", publication.message)
            branch = _free_branch(repo, publication.branch)
            # update-ref with an empty old value refuses to overwrite a branch created meanwhile.
            repo.git.update_ref(f"refs/heads/{branch}", commit, "")
        except GitCommandError as error:
            raise InfraError(f"could not create the result branch: {error.stderr.strip()}") from None
        return Published(branch=branch, commit=commit)


def _identity(repo: Repo) -> tuple[str, str]:
    reader = repo.config_reader()
    name = reader.get_value("user", "name", default="") or FALLBACK_IDENTITY[0]
    email = reader.get_value("user", "email", default="") or FALLBACK_IDENTITY[1]
    return str(name), str(email)


def _already_published(repo: Repo, publication: Publication) -> Published | None:
    """A branch of this name (or a suffixed one) whose commit is exactly this publication's."""
    for head in repo.heads:
        if head.name == publication.branch or head.name.startswith(publication.branch + "-"):
            commit = head.commit
            if (commit.tree.hexsha == publication.tree and [p.hexsha for p in commit.parents] == [publication.base_commit]
                    and commit.message.strip() == publication.message.strip()):
                return Published(branch=head.name, commit=commit.hexsha)
    return None


def _free_branch(repo: Repo, wanted: str) -> str:
    existing = {head.name for head in repo.heads}
    candidate, n = wanted, 1
    while candidate in existing:
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate
