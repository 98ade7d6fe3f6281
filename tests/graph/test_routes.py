"""Routing decisions and budget checks over hand-made states."""

from __future__ import annotations

import time

import pytest

from greenloop.graph import routes
from greenloop.graph.budget import exhausted
from greenloop.graph.build import mermaid

NOW = 1_000_000.0


def state(**overrides):
    base = {"budget": {"max_steps": 3, "max_minutes": 10, "max_tokens": None, "max_dollars": None},
            "started_at": time.time(), "steps": 1, "spent": {}, "attempts": {"attempt-1": {"status": "deployed"}},
            "current": "attempt-1"}
    return {**base, **overrides}


@pytest.mark.parametrize("overrides, reason", [
    ({}, None),
    ({"steps": 3}, "step budget spent: 3 of 3"),
    ({"started_at": NOW - 601}, "wall-time budget spent"),
    ({"budget": {"max_steps": 9, "max_minutes": 10, "max_tokens": 100, "max_dollars": None},
      "spent": {"tokens": 100}}, "token budget spent"),
    ({"budget": {"max_steps": 9, "max_minutes": 10, "max_tokens": None, "max_dollars": 1.0},
      "spent": {"dollars": 1.5}}, "dollar budget spent"),
])
def test_budget_is_checked_before_the_next_step(overrides, reason):
    found = exhausted(state(**{"started_at": NOW, **overrides}), now=NOW)
    assert (found is None) if reason is None else reason in found


def test_after_prepare_gives_up_when_not_reproduced():
    assert routes.after_prepare(state(steps=0)) == "generate"
    assert routes.after_prepare(state(steps=0, stop_reason="nothing fails")) == "give_up"


def test_after_propose():
    assert routes.after_propose(state()) == "deploy"
    assert routes.after_propose(state(current=None)) == "give_up"


def test_after_deploy_refusal_goes_to_patch_while_budget_lasts():
    refused = {"attempt-1": {"status": "refused"}}
    assert routes.after_deploy(state()) == "test"
    assert routes.after_deploy(state(attempts=refused)) == "patch"
    assert routes.after_deploy(state(attempts=refused, steps=3)) == "give_up"


def test_after_test_and_read_logs():
    assert routes.after_test(state(attempts={"attempt-1": {"outcome": "fixed"}})) == "publish"
    assert routes.after_test(state(attempts={"attempt-1": {"outcome": "not_fixed"}})) == "read_logs"
    assert routes.after_read_logs(state()) == "patch"
    assert routes.after_read_logs(state(steps=3)) == "give_up"


def test_the_graph_has_the_loop_nodes():
    diagram = mermaid()
    for edge in ("prepare -.-> generate", "deploy -.-> test", "test -.-> publish", "read_logs -.-> patch",
                 "patch -.-> deploy", "give_up --> __end__", "publish --> __end__"):
        assert edge in diagram
