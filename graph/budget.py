"""Budget caps, checked before the work they pay for."""

from __future__ import annotations

import time
from typing import Any

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
    """Test executions so far: the run at base (once `prepare` is done), the model's own (`run_tests`, the offline
    engine's spectra and screenings), and the graph's for each attempt (reruns too) and reproduction. Every
    execution of the test command counts, so the cap holds against a count made outside greenloop."""
    return int(bool(state.get("base"))) + int(state.get("spent", {}).get("test_runs", 0)) + sum(
        a.get("test_runs", 0) for a in [*state.get("attempts", {}).values(), *state.get("reproductions", [])])


def test_runs_left(state: LoopState) -> int | None:
    """Test executions the cap still allows (None: no cap), before any reservation."""
    cap = state["budget"].get("max_test_runs")
    return None if cap is None else max(0, cap - executions(state))


def allowance(state: LoopState, now: float | None = None, lanes: int = 1) -> Allowance:
    """What the caps leave for the next step, for a model to check each call and test run against. `lanes` judged
    test runs are reserved out of the test runs left: with candidates side by side, one for each candidate
    proposed so far in the batch (not yet tested, so not yet counted) and one for this step's own."""
    budget, spent = state["budget"], state.get("spent", {})
    caps = {"tokens": (budget.get("max_tokens"), spent.get("tokens", 0)),
            "dollars": (budget.get("max_dollars"), spent.get("dollars", 0.0))}
    left = {name: max(0, cap - used) if cap is not None else None for name, (cap, used) in caps.items()}
    runs = test_runs_left(state)
    return Allowance(seconds=seconds_left(state, now), test_runs=None if runs is None else max(0, runs - lanes),
                     **left)


def reserve(state: LoopState, lanes: int) -> list[int | None]:
    """The test runs each of a batch's `lanes` candidates may take, in lane order (None: no cap): its judged run,
    and one flake rerun while runs are left over for one. Made before the batch fans out, since its trials run at
    once and each sees only the state of the batch's start; `propose` left a judged run for every candidate."""
    runs = test_runs_left(state)
    if runs is None:
        return [None] * lanes
    spare = max(0, runs - lanes)
    return [1 + int(lane < spare) for lane in range(lanes)]


def rerun_refused(state: LoopState, attempt: dict[str, Any], now: float | None = None) -> str | None:
    """Why the flake rerun of a tested attempt may not start (then its suspects stay failed), or None: no wall
    time left, or no test run reserved for it (`reserve`). An attempt without a reservation (checkpointed before
    reservations were recorded) is held to the test runs the state has left besides its first run."""
    late = out_of_time(state, now)
    if late:
        return late
    cap = state["budget"].get("max_test_runs")
    if cap is None:
        return None
    allowed = attempt.get("test_runs_allowed")
    if allowed is None:  # its own first run is not in `executions` yet: it is one of those left
        allowed = test_runs_left(state) or 0
    if allowed < 2:
        return f"test-run budget spent: no test run of the {cap} was left for a rerun"
    return None


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
