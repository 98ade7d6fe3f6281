"""One exception hierarchy: each class carries its exit code, so the CLI maps errors once, at the edge."""

from __future__ import annotations


class GreenloopError(Exception):
    """Anything greenloop raises on purpose: a problem, and what to do about it."""

    exit_code = 3

    def __init__(self, problem: str, fix: str | None = None):
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def __str__(self) -> str:
        return self.problem if not self.fix else f"{self.problem}\n  fix: {self.fix}"


class UsageError(GreenloopError):
    """The command line, the config or the repository is not usable as given (exit 2)."""

    exit_code = 2


class ConfigError(UsageError):
    """greenloop.toml (or [tool.greenloop]) is missing or invalid."""


class TicketError(UsageError):
    """The ticket cannot be read."""


class RepoError(UsageError):
    """The target repository is not one a run can start from (not git, not its top level, no commits)."""


class InfraError(GreenloopError):
    """Something greenloop depends on failed at run time: a service, the setup step, git (exit 3)."""

    exit_code = 3


class ServiceStartError(InfraError):
    """A service exited or never became healthy."""


class SetupError(InfraError):
    """The `[setup]` command failed in a workspace."""


class OutOfBudget(GreenloopError):
    """A test run refused before it started because a cap leaves no room for it (no wall time or no test run
    left). It is no failure of the system under test nor of greenloop: the graph ends the run `not_fixed` with the
    cap named (exit 1), and a model that meets it on its bench ends its step the same way. `problem` names the
    cap, worded as `graph/budget.py` words a spent one."""

    exit_code = 1


class PatchError(GreenloopError):
    """A proposed diff is not a patch or does not apply to the base commit; the graph records it as an attempt
    (`does_not_apply`), so it never reaches the CLI."""


class Interrupted(GreenloopError):
    """The run was stopped by Ctrl-C or SIGTERM; resources were torn down."""

    exit_code = 130
