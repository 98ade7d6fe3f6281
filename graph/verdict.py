"""The verdict contract — what "green" means — as pure functions, enforced by the graph whatever the model."""

from __future__ import annotations

from typing import Any

from pathspec import GitIgnoreSpec

from greenloop.adapters.protocols import TestReport
from greenloop.adapters.workspaces.diffs import file_sections

FAILED = ("failed", "error")


def choose_targets(requested: list[str], base_outcomes: dict[str, str], known_failures: list[str]) -> list[str]:
    """The tests named by the ticket or --target, else every test failing at base minus known failures."""
    if requested:
        return list(requested)
    return sorted(t for t, outcome in base_outcomes.items() if outcome in FAILED and t not in known_failures)


def unknown_targets(targets: list[str], base_outcomes: dict[str, str]) -> list[str]:
    """Named targets the test command never ran at base (a typo, or a test that does not exist)."""
    return [t for t in targets if t not in base_outcomes]


def reproduced(targets: list[str], base_outcomes: dict[str, str]) -> bool:
    """A ticket is reproduced when at least one target fails at base."""
    return any(base_outcomes.get(t) in FAILED for t in targets)


def protected_hits(paths: list[str], protected: list[str]) -> list[str]:
    """Paths of a diff that match a protected glob (gitignore rules: `tests/**`, `**/conftest.py`)."""
    spec = GitIgnoreSpec.from_lines(protected)
    return sorted({p for p in paths if spec.match_file(p)})


def regressions(base_outcomes: dict[str, str], after: dict[str, str]) -> list[str]:
    """Tests that passed at base and now fail, error or no longer run, and new failures: a result that did not
    fail at base and fails now (such as the whole command failing after every test passed)."""
    lost = {t for t, outcome in base_outcomes.items() if outcome == "passed" and not passed(t, after)}
    new = {t for t, outcome in after.items() if outcome in FAILED and base_outcomes.get(t) not in FAILED}
    return sorted(lost | new)


def is_fixed(targets: list[str], after: dict[str, str], base_outcomes: dict[str, str]) -> bool:
    """fixed ⇔ targets non-empty ∧ every target passes ∧ nothing that passed at base fails (nor anything new).

    (A diff touching a protected path never reaches a test run, and a run that cannot judge its attempt is set
    aside by `untrusted_run`, so neither can get here.)
    """
    return bool(targets) and all(passed(t, after) for t in targets) and not regressions(base_outcomes, after)


def passed(target: str, after: dict[str, str]) -> bool:
    """A target passed: its own result, or — for a test file that could not even be collected at base (pytest
    reports it by its path alone) — every test collected from that file now, at least one."""
    if target in after:
        return after[target] == "passed"
    inside = [outcome for test, outcome in after.items() if test.startswith(target + "::")]
    return "::" not in target and bool(inside) and all(outcome == "passed" for outcome in inside)


def rerun_candidates(targets: list[str], base_outcomes: dict[str, str], after: dict[str, str]) -> list[str]:
    """Tests that passed at base and fail or error now: a regression or a flake, which one rerun tells apart.

    Targets are never rerun: a target must pass without relying on a rerun.
    """
    return sorted(
        t for t, outcome in after.items()
        if outcome in FAILED and base_outcomes.get(t) == "passed" and t not in targets
    )


def settle_flakes(after: dict[str, str], rerun: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The outcomes to judge by, and the tests found flaky: a test that failed in `after` and passed on the rerun.

    `rerun` must hold only the rerun candidates' outcomes (never a target's), since whatever fails in `after` and
    passes there counts as passed. A candidate missing from the rerun, or failing again, keeps its first outcome.
    """
    flaky = sorted(t for t, outcome in rerun.items() if outcome == "passed" and after.get(t) in FAILED)
    return {**after, **dict.fromkeys(flaky, "passed")}, flaky


def untrusted_run(tree: str, tested_tree: str, drift: list[str], base: dict[str, Any],
                  report: TestReport) -> str | None:
    """Why a test run cannot judge its attempt, or None: the tree that ran is not the attempt's (what would be
    published), files appeared or changed while it ran that the base run did not leave too, or pytest loaded a
    config file, plugin or plugin distribution that the base run did not load (`runners/probe.py`)."""
    if tested_tree != tree:
        return (f"the tree that ran ({tested_tree[:12]}) is not the attempt's tree ({tree[:12]}): something changed "
                "the workspace's index while the tests ran")
    drift = [path for path in drift if path not in base.get("leftovers", [])]
    if drift:
        return (f"setup, services or tests changed or added file(s) {', '.join(drift)}: the tree that ran is not "
                "the tree that would be published")
    unexpected = unexpected_loads(base.get("loaded"), report.loaded, report.kind)
    if unexpected:
        return (f"the judged test run loaded what the base run did not ({'; '.join(unexpected)}): its results "
                "may come from that code, not from the tests")
    return None


def unexpected_loads(at_base: dict[str, list[str]] | None, judged: dict[str, list[str]] | None,
                     kind: str) -> list[str]:
    """What the judged run's pytest loaded on its own beyond what the base run's did. With no report at base
    (pytest did not run there) there is nothing to hold it to; a judged run with JUnit results but no report
    is suspect, since only a session that ended normally writes both."""
    if at_base is None:
        return []
    if judged is None:
        return ["no pytest session reported what it loaded"] if kind == "junit" else []
    labels = {"inifiles": "config file", "plugins": "plugin", "dists": "plugin distribution",
              "startup": "start-up file"}
    return [f"{label} {item}" for field, label in labels.items()
            for item in judged.get(field, []) if item not in at_base.get(field, [])]


def reproduction_paths(reproduction: dict[str, Any] | None) -> list[str]:
    return sorted(file_sections(reproduction["diff"])) if reproduction else []


def keeps_reproduction(diff: str, reproduction: dict[str, Any] | None) -> bool:
    """Whether an attempt carries the accepted reproduction test exactly as it was accepted."""
    if not reproduction:
        return True
    kept, attempt = file_sections(reproduction["diff"]), file_sections(diff)
    return all(attempt.get(path) == section for path, section in kept.items())
