"""The tools that reach the running system through a `Bench`: run_tests, service_logs, http_request.

Their definitions are what the model is told; `run_bench_tool` runs one and turns the outcome into text that fits
a prompt (a test report as counts, failures and the output's tail; logs as their last lines; a reply cut short).
"""

from __future__ import annotations

import json
import time
from typing import Any

from greenloop.adapters.models.context import head_tail
from greenloop.adapters.protocols import Bench, TestReport

RESULT_CHARS = 12000
LOG_LINES = 200

BENCH_TOOLS: list[dict[str, Any]] = [
    {"name": "run_tests",
     "description": "Run the project's test command against the sandbox, after bringing the sandbox's services to "
                    "your current edits. Returns the counts, each failing test with its assertion message, and the "
                    "tail of the output. Costs one test run of the budget.",
     "input_schema": {"type": "object", "properties": {
         "selection": {"type": "array", "items": {"type": "string"},
                       "description": "pytest node ids to run instead of the whole suite, "
                                      "e.g. tests/test_shop.py::test_coupon"}}}},
    {"name": "service_logs",
     "description": "The sandbox's service log lines, oldest first (the last 200 at most).",
     "input_schema": {"type": "object", "properties": {
         "service": {"type": "string", "description": "one service's lines only"},
         "since_seconds": {"type": "number", "description": "only lines written in the last N seconds"}}}},
    {"name": "http_request",
     "description": "Send an HTTP request to one of the sandbox's services (routed to your changed version of "
                    "it) and get the status, headers and body back.",
     "input_schema": {"type": "object", "required": ["service", "method", "path"], "properties": {
         "service": {"type": "string"},
         "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]},
         "path": {"type": "string", "description": "path and query, e.g. /basket?debug=1"},
         "body": {"description": "a JSON value (sent as application/json) or a string"},
         "headers": {"type": "object", "additionalProperties": {"type": "string"}}}}},
]


def run_bench_tool(name: str, tool_input: dict[str, Any], bench: Bench) -> tuple[str, bool]:
    """(result text, is_error); a GreenloopError from the bench (a service that would not start) propagates."""
    if name == "run_tests":
        selection = tool_input.get("selection") or None
        if selection is not None and not (isinstance(selection, list) and all(isinstance(s, str) for s in selection)):
            return "selection must be a list of pytest node ids", True
        return describe_report(bench.run_tests(selection)), False
    if name == "service_logs":
        since = tool_input.get("since_seconds")
        lines = bench.service_logs(tool_input.get("service"), time.time() - float(since) if since else None)
        shown = lines[-LOG_LINES:]
        text = "\n".join(f"{line.service}: {line.text}" for line in shown) or "(no log lines)"
        more = f"[{len(lines) - len(shown)} earlier lines not shown]\n" if len(lines) > len(shown) else ""
        return head_tail(more + text, RESULT_CHARS), False
    if name == "http_request":
        missing = [key for key in ("service", "method", "path") if not tool_input.get(key)]
        if missing:
            return f"missing input: {', '.join(missing)}", True
        body = tool_input.get("body")
        body_text = body if isinstance(body, str) or body is None else json.dumps(body)
        reply = bench.http_request(tool_input["service"], tool_input["method"], tool_input["path"], body_text,
                                   tool_input.get("headers"))
        headers = "\n".join(f"{k}: {v}" for k, v in reply.headers.items())
        return head_tail(f"HTTP {reply.status}\n{headers}\n\n{reply.body}", RESULT_CHARS), False
    return f"unknown tool {name!r}", True


def describe_report(report: TestReport) -> str:
    counts: dict[str, int] = {}
    for result in report.results.values():
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no per-test results"
    lines = [f"{report.command} exited {report.exit_code} in {report.duration:.1f} s: {summary}"]
    for test_id in report.failing():
        lines.append(f"FAILED {test_id}\n{head_tail(report.results[test_id].message, 1500)}")
    if report.output_tail:
        lines.append(f"--- end of the output ---\n{head_tail(report.output_tail, 3000)}")
    return head_tail("\n".join(lines), RESULT_CHARS)
