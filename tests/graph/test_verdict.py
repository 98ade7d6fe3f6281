"""The verdict contract as pure functions."""

from __future__ import annotations

import pytest

from greenloop.graph import verdict
from greenloop.loop.config import DEFAULT_PROTECTED_PATHS

BASE = {"t::a": "failed", "t::b": "passed", "t::c": "error", "t::d": "skipped", "t::flaky": "failed"}


def test_targets_default_to_failing_at_base_minus_known_failures():
    assert verdict.choose_targets([], BASE, ["t::flaky"]) == ["t::a", "t::c"]
    assert verdict.choose_targets(["t::b"], BASE, []) == ["t::b"]


def test_no_targets_or_only_passing_targets_are_not_reproduced():
    assert not verdict.reproduced([], BASE)
    assert not verdict.reproduced(["t::b"], BASE)
    assert verdict.reproduced(["t::b", "t::a"], BASE)


@pytest.mark.parametrize("after, fixed", [
    ({"t::a": "passed", "t::b": "passed", "t::c": "passed"}, True),
    ({"t::a": "passed", "t::b": "failed", "t::c": "passed"}, False),   # a regression
    ({"t::a": "passed", "t::c": "passed"}, False),                     # a passing test no longer runs
    ({"t::a": "passed", "t::b": "passed", "t::c": "skipped"}, False),  # a skipped target is not a pass
    ({"t::a": "passed", "t::b": "passed", "t::c": "passed", "t::d": "failed"}, False),  # skipped at base: new failure
    ({"t::a": "passed", "t::b": "passed", "t::c": "passed", "make test": "error"}, False),  # the command failed
    ({"t::a": "passed", "t::b": "passed", "t::c": "passed", "t::flaky": "failed"}, True),  # failing at base too
])
def test_fixed_needs_every_target_and_no_regression(after, fixed):
    assert verdict.is_fixed(["t::a", "t::c"], after, BASE) is fixed


def test_nothing_is_fixed_without_targets():
    assert not verdict.is_fixed([], {"t::b": "passed"}, BASE)


def test_unknown_targets():
    assert verdict.unknown_targets(["t::a", "t::zz"], BASE) == ["t::zz"]


@pytest.mark.parametrize("path, protected", [
    ("tests/test_api.py", True), ("tests/data/x.json", True), ("pkg/conftest.py", True), ("conftest.py", True),
    (".github/workflows/ci.yml", True), ("greenloop.toml", True), ("src/pkg/tests/test_core.py", True),
    ("src/pkg/tests/data/x.json", True), ("lib/test/helpers.py", True), ("src/test_util.py", True),
    ("src/util_test.py", True), ("src/app.py", False), ("src/tests_helper.py", False), ("testsuite/x.py", False),
    ("src/attest.py", False),
])
def test_protected_paths_hold_at_any_depth(path, protected):
    assert verdict.protected_hits([path], DEFAULT_PROTECTED_PATHS) == ([path] if protected else [])


def test_rerun_candidates_passed_at_base_and_fail_now_but_are_no_targets():
    base = {"t::a": "failed", "t::b": "passed", "t::c": "passed", "t::d": "passed", "t::e": "skipped",
            "t::f": "passed"}
    after = {"t::a": "passed", "t::b": "failed", "t::c": "error", "t::d": "passed", "t::e": "failed",
             "t::new": "failed"}
    # t::f no longer runs: a rerun cannot make it pass, so it stays a regression.
    assert verdict.rerun_candidates(["t::a"], base, after) == ["t::b", "t::c"]
    assert verdict.rerun_candidates(["t::a", "t::b"], base, after) == ["t::c"]  # a target must pass first time


def test_settle_flakes_counts_a_pass_on_rerun_as_passed():
    after = {"t::a": "passed", "t::b": "failed", "t::c": "error", "t::d": "failed", "t::e": "passed"}
    rerun = {"t::b": "passed", "t::c": "error", "t::e": "failed", "t::other": "passed"}
    settled, flaky = verdict.settle_flakes(after, rerun)
    # t::d was not rerun (missing from the rerun) and keeps its first outcome; t::e passed first, which stands.
    assert settled == {"t::a": "passed", "t::b": "passed", "t::c": "error", "t::d": "failed", "t::e": "passed"}
    assert flaky == ["t::b"]
    assert after["t::b"] == "failed"  # the first run's outcomes are left as recorded


def test_a_flake_is_no_regression_but_a_failing_rerun_is():
    base = {"t::a": "failed", "t::b": "passed", "t::c": "passed"}
    after = {"t::a": "passed", "t::b": "failed", "t::c": "failed"}
    candidates = verdict.rerun_candidates(["t::a"], base, after)
    settled, flaky = verdict.settle_flakes(after, {"t::b": "passed", "t::c": "failed"})
    assert candidates == ["t::b", "t::c"] and flaky == ["t::b"]
    assert verdict.regressions(base, settled) == ["t::c"] and not verdict.is_fixed(["t::a"], settled, base)
    settled, _ = verdict.settle_flakes(after, {"t::b": "passed", "t::c": "passed"})
    assert verdict.is_fixed(["t::a"], settled, base)


def test_a_test_file_that_could_not_be_collected_at_base_passes_once_every_test_in_it_does():
    base = {"calc/mul_check.py": "error", "t::b": "passed"}
    assert verdict.is_fixed(["calc/mul_check.py"], {"calc/mul_check.py::test_mul": "passed", "t::b": "passed"}, base)
    assert not verdict.is_fixed(["calc/mul_check.py"], {"calc/mul_check.py::test_mul": "failed", "t::b": "passed"},
                                base)
    assert not verdict.is_fixed(["calc/mul_check.py"], {"t::b": "passed"}, base)  # nothing collected from it
