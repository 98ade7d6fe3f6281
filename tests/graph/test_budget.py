"""Test-run accounting over hand-made states: what counts, what each lane's model may spend, what a batch reserves."""

from __future__ import annotations

from greenloop.graph.budget import allowance, executions, exhausted, rerun_refused, reserve

NOW = 1_000_000.0


def state(cap: int | None, **overrides):
    base = {"budget": {"max_steps": 9, "max_minutes": 10, "max_tokens": None, "max_dollars": None,
                       "max_test_runs": cap},
            "started_at": NOW, "steps": 0, "spent": {}, "attempts": {}, "base": {"outcomes": {}}}
    return {**base, **overrides}


def test_the_run_at_base_counts_with_the_model_s_runs_the_attempts_and_reproductions():
    assert executions(state(5, base={})) == 0  # prepare has not run yet
    counted = state(5, spent={"test_runs": 3}, attempts={"attempt-1": {"test_runs": 2}},
                    reproductions=[{"test_runs": 1}])
    assert executions(counted) == 1 + 3 + 2 + 1
    assert "test-run budget spent: 7 of 7" in exhausted({**counted, "budget": {**counted["budget"],
                                                                               "max_test_runs": 7}}, now=NOW)


def test_each_lane_s_allowance_keeps_a_judged_run_for_every_candidate_of_the_batch_so_far():
    spent = state(10, spent={"test_runs": 2})  # 1 at base + 2: 7 left
    assert [allowance(spent, now=NOW, lanes=lane).test_runs for lane in (1, 2, 3)] == [6, 5, 4]
    assert allowance(state(2), now=NOW, lanes=3).test_runs == 0  # never negative
    assert allowance(state(None), now=NOW, lanes=3).test_runs is None


def test_a_batch_reserves_its_judged_runs_then_one_rerun_per_candidate_in_lane_order_while_runs_are_left():
    assert reserve(state(6), 3) == [2, 2, 1]  # 5 left: three judged runs and two reruns
    assert reserve(state(4), 3) == [1, 1, 1]
    assert reserve(state(20), 3) == [2, 2, 2]
    assert reserve(state(None), 2) == [None, None]


def test_a_rerun_needs_its_reserved_run_and_time_left():
    assert rerun_refused(state(6), {"test_runs_allowed": 2}, now=NOW) is None
    assert "test-run budget spent" in rerun_refused(state(6), {"test_runs_allowed": 1}, now=NOW)
    assert "wall-time budget spent" in rerun_refused(state(6), {"test_runs_allowed": 2}, now=NOW + 601)
    assert rerun_refused(state(None), {}, now=NOW) is None
    # no reservation recorded (an older checkpoint): the runs the state has left, its own first run among them
    assert rerun_refused(state(3), {}, now=NOW) is None
    assert "test-run budget spent" in rerun_refused(state(2), {}, now=NOW)
