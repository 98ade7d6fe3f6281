"""Where the loop goes next: small pure functions over the state, readable in one screen."""

from __future__ import annotations

from typing import Literal

from greenloop.graph.budget import exhausted, out_of_time
from greenloop.graph.state import LoopState


def after_prepare(state: LoopState) -> Literal["generate", "give_up"]:
    return "give_up" if state.get("stop_reason") or exhausted(state) else "generate"


def after_propose(state: LoopState) -> Literal["deploy", "give_up"]:
    return "give_up" if state.get("current") is None or out_of_time(state) else "deploy"


def after_deploy(state: LoopState) -> Literal["test", "patch", "give_up"]:
    if state["attempts"][state["current"]]["status"] == "deployed":
        return "give_up" if out_of_time(state) else "test"
    return "give_up" if exhausted(state) else "patch"


def after_test(state: LoopState) -> Literal["publish", "read_logs"]:
    return "publish" if state["attempts"][state["current"]]["outcome"] == "fixed" else "read_logs"


def after_read_logs(state: LoopState) -> Literal["patch", "give_up"]:
    return "give_up" if state.get("stuck") or exhausted(state) else "patch"
