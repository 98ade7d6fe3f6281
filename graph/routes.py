"""Where the loop goes next: small pure functions over the state, readable in one screen."""

from __future__ import annotations

from typing import Literal

from langgraph.types import Send

from greenloop.graph.budget import exhausted, out_of_time
from greenloop.graph.state import LoopState


def stop(state: LoopState) -> bool:
    """A node said the run ends (the model stopped for the budget, no reproduction), or a cap is reached."""
    return bool(state.get("stop_reason") or exhausted(state))


def after_prepare(state: LoopState) -> Literal["reproduce", "generate", "give_up"]:
    if stop(state):
        return "give_up"
    return "reproduce" if state.get("reproducing") and not state.get("reproduction") else "generate"


def after_reproduce(state: LoopState) -> Literal["reproduce", "generate", "give_up"]:
    if stop(state):
        return "give_up"
    return "generate" if state.get("reproduction") else "reproduce"


def after_propose(state: LoopState) -> Literal["deploy", "give_up"] | list[Send]:
    """One candidate goes down the deploy → test → read_logs path; several fan out, one `trial` each."""
    if state.get("current") is None or out_of_time(state):
        return "give_up"
    batch = state.get("batch") or [state["current"]]
    return [Send("trial", {**state, "current": key}) for key in batch] if len(batch) > 1 else "deploy"


def after_deploy(state: LoopState) -> Literal["test", "patch", "give_up"]:
    if state["attempts"][state["current"]]["status"] == "deployed":
        return "give_up" if out_of_time(state) else "test"
    return "give_up" if stop(state) else "patch"


def after_test(state: LoopState) -> Literal["publish", "read_logs"]:
    return "publish" if state["attempts"][state["current"]]["outcome"] == "fixed" else "read_logs"


def after_read_logs(state: LoopState) -> Literal["patch", "give_up"]:
    return "give_up" if state.get("stuck") or stop(state) else "patch"


def after_judge(state: LoopState) -> Literal["publish", "patch", "give_up"]:
    return "publish" if state["attempts"][state["current"]].get("outcome") == "fixed" else after_read_logs(state)


def reentry(state: LoopState) -> Literal["prepare", "deploy", "patch", "read_logs"]:
    """The node a run that gave up is resumed *after* (its routing decides again, with the new budget): the
    last attempt's own step, so a proposal that was made is deployed, and a tested one gets a next proposal."""
    last = state["attempts"][state["current"]] if state.get("current") else None
    if last is None:
        return "prepare"
    if last["status"] == "proposed":
        return "patch"
    return "read_logs" if last["status"] == "tested" else "deploy"
