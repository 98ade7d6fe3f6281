"""Claude as the model: a bounded tool-use loop per step, inside greenloop's budget.

Each step is one conversation: the model reads and edits the bench's worktree, runs tests, reads the sandbox's logs
and sends it requests; the step ends when the model stops calling tools (or its rounds run out), and the worktree's
diff against base is the proposal. Every request is redacted before it leaves, checked against the budget before it
is made (the output cap of a call is lowered to fit what is left, and a call that cannot fit is not made), and its
reply is journaled before it is used (`exchanges.py`).
"""

from __future__ import annotations

import json
import time
from http.client import HTTPException
from typing import Any

from greenloop.adapters.models.context import system_prompt, task_prompt
from greenloop.adapters.models.editor import EDITOR, SEARCH, WorkspaceTools
from greenloop.adapters.models.exchanges import Exchanges
from greenloop.adapters.models.prices import PER_PRICE_UNIT, Price, estimate_tokens, worst_case
from greenloop.adapters.models.toolbox import BENCH_TOOLS, run_bench_tool
from greenloop.adapters.protocols import Allowance, Bench, BudgetSpent, ModelRequest, Proposal, Usage
from greenloop.loop.errors import GreenloopError, UsageError
from greenloop.loop.redact import redact

MIN_OUTPUT_TOKENS = 1024
"""A call that could not even write this much within the budget is not worth making."""
CACHED = {"type": "ephemeral"}
TOOL_USE_OVERHEAD = 1100
"""Prompt tokens the API adds on its side for tool use: its tool-use system prompt (~350) and the text editor
tool's definition (~700), per Anthropic's tool-pricing page."""


class ClaudeModel:
    """`anthropic:<model-id>` (or `replay:DIR`, the same loop answered from a recording)."""

    uses_bench = True
    """It edits, tests and sends requests on the lane's bench."""
    writes_reproductions = True
    """With nothing failing at base, it can write the failing test first."""

    def __init__(self, name: str, model_id: str, exchanges: Exchanges, price: Price | None, secrets: list[str],
                 max_rounds: int = 30, max_output_tokens: int = 8192):
        self.name, self.model_id, self.exchanges, self.price = name, model_id, exchanges, price
        self.secrets, self.max_rounds, self.max_output_tokens = secrets, max_rounds, max_output_tokens

    def propose(self, request: ModelRequest, bench: Bench | None = None) -> Proposal | None:
        if bench is None:
            raise UsageError(f"{self.name} works with tools and needs a bench", "run it through greenloop run")
        reproducing = request.task == "reproduce"
        tools = WorkspaceTools(bench.root, request.base_commit, ["**"] if reproducing else request.protected_paths,
                               request.repro_dir if reproducing else None)  # new tests only for a reproduction
        deadline = time.time() + request.allowance.seconds
        usage = Usage()
        system = [{"type": "text", "text": system_prompt(), "cache_control": CACHED}]
        task = {"type": "text", "text": task_prompt(request, bench.root, bench.services), "cache_control": CACHED}
        messages: list[dict[str, Any]] = [{"role": "user", "content": [task]}]
        said = ""
        for index in range(1, self.max_rounds + 1):
            body = {"model": self.model_id, "system": system, "tools": [EDITOR, SEARCH, *BENCH_TOOLS],
                    "messages": _with_moving_breakpoint(messages)}
            body = redact(body, self.secrets)  # no secret reaches the model, whatever a file or a log held
            body["max_tokens"] = self._output_cap(body, usage, request.allowance, deadline)
            exchange = self.exchanges.call(request.step, index, body, self.secrets, deadline - time.time())
            usage = usage + self._charge(exchange)
            reply = exchange["reply"]
            messages.append({"role": "assistant", "content": reply["content"]})
            said = " ".join(b["text"] for b in reply["content"] if b.get("type") == "text").strip() or said
            if reply.get("stop_reason") == "pause_turn":
                continue
            if reply.get("stop_reason") != "tool_use":
                break
            results = []
            for block in (b for b in reply["content"] if b.get("type") == "tool_use"):
                usage = usage + Usage(tool_calls=1)
                results.append(self._tool(block, tools, bench, request, usage, deadline))
                usage = usage + Usage(test_runs=int(block["name"] == "run_tests" and not results[-1]["is_error"]))
            messages.append({"role": "user", "content": results})
        bench.record(sorted(tools.edited))
        return Proposal(diff=bench.diff(), rationale=said[:600], usage=usage, source=self.name)

    def _output_cap(self, body: dict[str, Any], usage: Usage, allowance: Allowance, deadline: float) -> int:
        """The call's max_tokens: the configured cap, lowered so that even the worst case (every prompt token at the
        dearest rate, every output token written) stays inside the token and dollar caps; raises BudgetSpent when
        not even MIN_OUTPUT_TOKENS fit, or the time is up."""
        if time.time() >= deadline:
            raise BudgetSpent("wall-time budget spent before the next model call", usage)
        prompt = estimate_tokens(json.dumps(body)) + TOOL_USE_OVERHEAD
        cap = self.max_output_tokens
        if allowance.tokens is not None:
            cap = min(cap, allowance.tokens - usage.tokens - prompt)
            if cap < MIN_OUTPUT_TOKENS:
                raise BudgetSpent(f"token budget: the next model call could take {prompt + MIN_OUTPUT_TOKENS} tokens, "
                                  f"{max(0, allowance.tokens - usage.tokens)} are left", usage)
        if allowance.dollars is not None and self.price is not None:
            left = allowance.dollars - usage.dollars
            for_output = left - worst_case(self.price, prompt, 0)  # every prompt token at its dearest rate
            rate = self.price.band(prompt).output / PER_PRICE_UNIT  # the band the prompt puts the whole call in
            cap = min(cap, int(for_output / rate) if rate else cap if for_output >= 0 else 0)
            if cap < MIN_OUTPUT_TOKENS:
                raise BudgetSpent(f"dollar budget: the next model call could cost "
                                  f"${worst_case(self.price, prompt, MIN_OUTPUT_TOKENS):.4f}, ${max(0.0, left):.4f} "
                                  "is left", usage)
        return cap

    def _charge(self, exchange: dict[str, Any]) -> Usage:
        used = exchange["reply"].get("usage") or {}
        return Usage(input_tokens=used.get("input_tokens") or 0, output_tokens=used.get("output_tokens") or 0,
                     cache_write_tokens=used.get("cache_creation_input_tokens") or 0,
                     cache_read_tokens=used.get("cache_read_input_tokens") or 0,
                     dollars=exchange["dollars"], calls=1)

    def _tool(self, block: dict[str, Any], tools: WorkspaceTools, bench: Bench, request: ModelRequest,
              usage: Usage, deadline: float) -> dict[str, Any]:
        """Run one tool call; its result (an error result the model can read when it failed) as a tool_result."""
        name, tool_input = block["name"], block.get("input") or {}
        started = time.time()
        if started >= deadline:
            raise BudgetSpent("wall-time budget spent before the next tool call", usage)
        try:
            if name == EDITOR["name"]:
                text, is_error = tools.editor(tool_input)
            elif name == SEARCH["name"]:
                text, is_error = tools.search(tool_input)
            else:
                if name == "run_tests" and request.allowance.test_runs is not None and (
                        usage.test_runs >= request.allowance.test_runs):
                    text, is_error = (f"not run: the test-run budget allowed {request.allowance.test_runs} run(s) "
                                      "in this step and they are used; finish your change (greenloop tests your "
                                      "proposal itself)"), True
                else:
                    bench.record(sorted(tools.edited))
                    text, is_error = run_bench_tool(name, tool_input, bench)
        except GreenloopError as error:
            text, is_error = error.problem, True
        except (ValueError, TypeError, KeyError, AttributeError, OSError, HTTPException) as error:  # bad input
            text, is_error = f"{name} failed: {type(error).__name__}: {error}", True  # the model can correct
        self.exchanges.note_tool(request.step, redact({"call": block.get("id"), "tool": name, "input": tool_input,
                                                       "is_error": is_error,
                                                       "seconds": round(time.time() - started, 3)}, self.secrets))
        return {"type": "tool_result", "tool_use_id": block["id"], "content": text, "is_error": is_error}


def _with_moving_breakpoint(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history with a cache breakpoint on its last block, so the next call reads the whole conversation so far
    from the cache (system and task are the other two breakpoints; the API allows four)."""
    if len(messages) < 2:
        return messages
    last = messages[-1]
    content = [dict(block) for block in last["content"]]
    content[-1]["cache_control"] = CACHED
    return [*messages[:-1], {**last, "content": content}]
