"""The loop as a LangGraph state machine, built in one function that reads like the diagram."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph

from greenloop.graph import routes
from greenloop.graph.nodes import deploy, give_up, judge, prepare, propose, publish, read_logs, test, trial
from greenloop.graph.reproduction import reproduce
from greenloop.graph.state import LoopState, RunContext


def build_graph(checkpointer: Any = None) -> Any:
    graph = StateGraph(LoopState, context_schema=RunContext)
    graph.add_node("prepare", prepare)
    graph.add_node("reproduce", reproduce)
    graph.add_node("generate", propose)
    graph.add_node("deploy", deploy)
    graph.add_node("test", test)
    graph.add_node("read_logs", read_logs)
    graph.add_node("patch", propose)
    graph.add_node("trial", trial)
    graph.add_node("judge", judge)
    graph.add_node("publish", publish)
    graph.add_node("give_up", give_up)

    graph.add_edge(START, "prepare")
    graph.add_conditional_edges("prepare", routes.after_prepare, ["reproduce", "generate", "give_up"])
    graph.add_conditional_edges("reproduce", routes.after_reproduce, ["reproduce", "generate", "give_up"])
    graph.add_conditional_edges("generate", routes.after_propose, ["deploy", "trial", "give_up"])
    graph.add_conditional_edges("patch", routes.after_propose, ["deploy", "trial", "give_up"])
    graph.add_conditional_edges("deploy", routes.after_deploy, ["test", "patch", "give_up"])
    graph.add_conditional_edges("test", routes.after_test, ["publish", "read_logs"])
    graph.add_conditional_edges("read_logs", routes.after_read_logs, ["patch", "give_up"])
    graph.add_edge("trial", "judge")
    graph.add_conditional_edges("judge", routes.after_judge, ["publish", "patch", "give_up"])
    graph.add_edge("publish", END)
    graph.add_edge("give_up", END)
    return graph.compile(checkpointer=checkpointer)


def mermaid() -> str:
    return build_graph().get_graph().draw_mermaid()
