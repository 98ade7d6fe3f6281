"""Budget caps, checked before the work they pay for."""

from __future__ import annotations

import time

from greenloop.adapters.protocols import Allowance, Usage
from greenloop.graph.state import LoopState


def exhausted(state: LoopState, now: float | None = None) -> str | None:
    """Why no more work may start, or None while every cap has room for the next step."""
    budget, spent = state["budget"], state.get("spent", {})
    steps = state.get("steps", 0)
    if steps >= budget["max_steps"]:
        return f"step budget spent: {steps} of {budget['max_steps']} proposals made"
    late = out_of_time(state, now)
    if late:
        return late
    if budget.get("max_tokens") and spent.get("tokens", 0) >= budget["max_tokens"]:
        return f"token budget spent: {spent['tokens']:.0f} of {budget['max_tokens']} tokens"
    if budget.get("max_dollars") and spent.get("dollars", 0) >= budget["max_dollars"]:
        return f"dollar budget spent: ${spent['dollars']:.2f} of ${budget['max_dollars']:.2f}"
    if budget.get("max_test_runs") and executions(state) >= budget["max_test_runs"]:
        return f"test-run budget spent: {executions(state)} of {budget['max_test_runs']} test runs"
    return None


def executions(state: LoopState) -> int:
    """Test executions so far: the model's own (`run_tests`), and the graph's for each attempt (reruns too) and
    reproduction."""
    return int(state.get("spent", {}).get("test_runs", 0)) + sum(
        a.get("test_runs", 0) for a in [*state.get("attempts", {}).values(), *state.get("reproductions", [])])


def allowance(state: LoopState, now: float | None = None) -> Allowance:
    """What the caps leave for the next step, for a model to check each call and test run against."""
    budget, spent = state["budget"], state.get("spent", {})
    caps = {"tokens": (budget.get("max_tokens"), spent.get("tokens", 0)),
            "dollars": (budget.get("max_dollars"), spent.get("dollars", 0.0)),
            "test_runs": (budget.get("max_test_runs"), executions(state))}
    left = {name: max(0, cap - used) if cap is not None else None for name, (cap, used) in caps.items()}
    if left["test_runs"] is not None:  # the graph's own test of the step's proposal is reserved
        left["test_runs"] = max(0, left["test_runs"] - 1)
    return Allowance(seconds=seconds_left(state, now), **left)


def charge(spent: dict[str, float], usage: Usage) -> dict[str, float]:
    """`spent` plus what one step of the model used: each usage count, and `tokens`, the total a token cap counts."""
    added = {name: spent.get(name, 0) + value for name, value in usage.model_dump().items()}
    return {**spent, **added, "tokens": spent.get("tokens", 0) + usage.tokens}


def seconds_left(state: LoopState, now: float | None = None) -> float:
    """Wall time left: the most any one step (setup, a test run) may take, so the cap cannot leak."""
    elapsed = (now if now is not None else time.time()) - state["started_at"]
    return max(0.0, state["budget"]["max_minutes"] * 60 - elapsed)


def out_of_time(state: LoopState, now: float | None = None) -> str | None:
    """Only the wall-time cap: what stops a deploy or a test run from starting."""
    elapsed = (now if now is not None else time.time()) - state["started_at"]
    if elapsed >= state["budget"]["max_minutes"] * 60:
        return f"wall-time budget spent: {elapsed / 60:.1f} of {state['budget']['max_minutes']:g} minutes"
    return None
