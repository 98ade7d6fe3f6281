"""One evidence record per run, built from the final graph state; it feeds evidence.json, evidence.md (the future
PR body), the result branch's commit message and the CLI summary."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from greenloop.adapters.manifest import RUNS_DIR
from greenloop.graph.logs import decisive
from greenloop.loop.files import write_atomic
from greenloop.loop.redact import redact

SCHEMA_VERSION = 1
DIFF_CHARS = 20_000


def final_attempt(state: dict[str, Any]) -> dict[str, Any] | None:
    """The attempt the loop ended on: the winner of a side-by-side batch, not whichever was proposed last."""
    attempts = state.get("attempts") or {}
    return attempts.get(state.get("current") or "") or (list(attempts.values())[-1] if attempts else None)


def build_evidence(state: dict[str, Any], *, model: str, error: str | None = None) -> dict[str, Any]:
    """The versioned, JSON-plain evidence record (schema: docs/evidence.md)."""
    base = state.get("base", {})
    before = base.get("outcomes", {})
    attempts = list(state.get("attempts", {}).values())
    final = final_attempt(state) or {}
    after = final.get("outcomes", {})
    targets = state.get("targets", [])
    timings = state.get("timings", [])
    per_node: dict[str, float] = defaultdict(float)
    for record in timings:
        per_node[record["node"]] += record["seconds"]
    finished = time.time()
    verdict = "error" if error else state.get("verdict") or "error"
    return redact({
        "schema_version": SCHEMA_VERSION,
        "run_id": state.get("run_id"),
        "verdict": verdict,
        "stop_reason": error or state.get("stop_reason"),
        "ticket": {k: state.get("ticket", {}).get(k) for k in ("title", "source", "named_tests")},
        "repo": state.get("repo"),
        "base_commit": state.get("base_commit"),
        "model": model,
        "targets": [{"id": t, "before": before.get(t), "after": after.get(t),
                     "message_before": base.get("messages", {}).get(t, "")} for t in targets],
        "tests": {"at_base": before, "after": after, "failing_at_base": base.get("failing", []),
                  "regressions": final.get("regressions", []), "flaky": final.get("flaky", [])},
        "attempts": [_attempt(a) for a in attempts],
        "final_attempt": final.get("id"),
        "decisive_log_lines": decisive(next((a["log_lines"] for a in reversed(attempts) if a.get("log_lines")), [])),
        "tested_tree": final.get("tree") if verdict == "fixed" else None,
        "published": state.get("published"),
        "kept_sandbox": state.get("kept_sandbox"),
        "reproductions": [_attempt(r) for r in state.get("reproductions", [])],
        "reproduction": (state.get("reproduction") or {}).get("id"),
        "target_written_by_model": written_by_model(state),
        "model_usage": _model_usage(state),
        "budget": {"caps": state.get("budget", {}), "steps": state.get("steps", 0),
                   "tokens": state.get("spent", {}).get("tokens", 0),
                   "dollars": round(state.get("spent", {}).get("dollars", 0.0), 6),
                   "wall_seconds": round(finished - state.get("started_at", finished), 3)},
        "timings": timings,
        "seconds_per_node": {node: round(seconds, 4) for node, seconds in per_node.items()},
    })


def written_by_model(state: dict[str, Any]) -> bool:
    """Whether the targets are tests of an accepted reproduction the model wrote. A fix against them is `fixed` as
    any other, but it proves only what that test asserts: a reviewer reads the test before the fix."""
    reproduction = state.get("reproduction") or {}
    return bool(set(state.get("targets") or []) & set(reproduction.get("tests") or []))


def model_written_files(evidence: dict[str, Any]) -> list[str]:
    """The files of the model-written tests the targets are in, for the headline and the summary."""
    if not evidence.get("target_written_by_model"):
        return []
    return sorted({target["id"].split("::")[0] for target in evidence["targets"]})


def _model_usage(state: dict[str, Any]) -> dict[str, Any]:
    """What the model used over the whole run, and where its transcript is (a model that journals its calls)."""
    spent = state.get("spent", {})
    usage = {key: spent.get(key, 0) for key in ("calls", "tool_calls", "test_runs", "input_tokens", "output_tokens",
                                                "cache_write_tokens", "cache_read_tokens")}
    transcript = Path(state.get("repo", ".")) / RUNS_DIR / str(state.get("run_id")) / "model"
    return {**usage, "dollars": round(spent.get("dollars", 0.0), 6),
            "transcript": str(transcript) if transcript.is_dir() else None}


def _attempt(attempt: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "step", "source", "rationale", "status", "outcome", "refusal", "start_error", "diffstat", "tree",
            "lane", "sandbox", "forks", "endpoints", "deployed_at", "finished_at", "test_runs",
            "failing", "flaky", "regressions", "messages", "log_lines", "flows", "usage")
    record = {k: attempt[k] for k in keys if k in attempt}
    record["diff"] = attempt.get("diff", "")[:DIFF_CHARS]
    return record


def write_evidence(evidence: dict[str, Any], run_dir: Path) -> None:
    """evidence.json and evidence.md, each written whole or not at all."""
    write_atomic(run_dir / "evidence.json", json.dumps(evidence, indent=2) + "\n")
    write_atomic(run_dir / "evidence.md", render_markdown(evidence))


HEADLINES = {"fixed": "fixed ✅", "not_fixed": "not fixed ❌", "not_reproduced": "not reproduced ⚠️", "stuck": "stuck 🔁",
             "error": "error 💥"}


def headline(evidence: dict[str, Any]) -> str:
    budget = evidence["budget"]
    text = (f"{HEADLINES.get(evidence['verdict'], evidence['verdict'])} — {evidence['ticket']['title']} "
            f"({budget['steps']} step(s), {budget['wall_seconds']:.1f}s)")
    written = model_written_files(evidence)
    if written:  # the verdict is judged against that test: it is the first thing to review
        text += f" — the target is a test the model wrote: read {', '.join(written)} first"
    return text


def render_markdown(evidence: dict[str, Any]) -> str:
    """The PR body: short at the top, the details of every attempt collapsed below."""
    out = [f"## greenloop: {headline(evidence)}", ""]
    if evidence.get("published"):
        published = evidence["published"]
        out.append(f"Branch `{published['branch']}` at `{published['commit'][:12]}` holds exactly the tested tree "
                   f"`{evidence['tested_tree']}` (base `{evidence['base_commit'][:12]}`).")
    if evidence.get("stop_reason"):
        out.append(f"Stopped: {evidence['stop_reason']}.")
    if evidence.get("kept_sandbox"):
        out += ["", *_kept_markdown(evidence["kept_sandbox"])]
    out += ["", "### Targets", "", "| test | at base | after |", "|---|---|---|"]
    out += [f"| `{t['id']}` | {t['before'] or '—'} | {t['after'] or '—'} |" for t in evidence["targets"]]
    if not evidence["targets"]:
        out.append("| (none: nothing failed at base and the ticket named no test) | | |")
    tests = evidence["tests"]
    others = [t for t in tests["at_base"] if t not in {x["id"] for x in evidence["targets"]}]
    kept = sum(1 for t in others if tests["at_base"][t] == "passed" and tests["after"].get(t) == "passed")
    if tests["after"]:
        out += ["", f"Other tests: {kept} of {len(others)} passed at base and after the final attempt; "
                    f"regressions: {', '.join(f'`{r}`' for r in tests['regressions']) or 'none'}."]
    if tests["flaky"]:
        out += ["", "Flaky (failed, then passed when rerun once; not counted as regressions): "
                + ", ".join(f"`{t}`" for t in tests["flaky"]) + "."]
    if evidence["decisive_log_lines"]:
        out += ["", "### Log lines that explained the failure", "", "```", *evidence["decisive_log_lines"], "```"]
    if evidence["reproductions"]:
        out += ["", "### Reproduction", "",
                ("Nothing failed at base and the ticket named no test, so the model wrote a reproduction test first; "
                 f"{evidence['reproduction']} fails at base and its tests are the targets; every attempt carries it.")
                if evidence["reproduction"] else "Nothing failed at base, and no reproduction test the model wrote "
                "failed there.", ""]
        for attempt in evidence["reproductions"]:
            out += _attempt_markdown(attempt)
    out += ["", "### Attempts", ""]
    for attempt in evidence["attempts"]:
        out += _attempt_markdown(attempt)
    if not evidence["attempts"]:
        out.append("No attempt was made.")
    budget = evidence["budget"]
    caps = budget["caps"]
    out += ["", "### Budget and time", "",
            f"Steps {budget['steps']} of {caps.get('max_steps', '—')}; wall time {budget['wall_seconds']:.1f}s "
            f"of {caps.get('max_minutes', '—')} min; tokens {budget['tokens']}; ${budget['dollars']:.4f}.", "",
            *_usage_markdown(evidence["model_usage"]),
            "| node | seconds |", "|---|---|"]
    out += [f"| {node} | {seconds:.2f} |" for node, seconds in evidence["seconds_per_node"].items()]
    out += ["", f"<sub>run `{evidence['run_id']}` · model `{evidence['model']}` · evidence schema "
                f"v{evidence['schema_version']}</sub>", ""]
    return "\n".join(out)


def _usage_markdown(usage: dict[str, Any]) -> list[str]:
    if not usage["calls"]:
        return []
    return [f"Model: {usage['calls']} call(s), {usage['tool_calls']} tool call(s), {usage['test_runs']} test run(s) "
            f"of its own; tokens {usage['input_tokens']} in, {usage['output_tokens']} out, "
            f"{usage['cache_write_tokens']} written to and {usage['cache_read_tokens']} read from the cache; "
            f"${usage['dollars']:.4f}. Transcript: `{usage['transcript']}`.", ""]


def _kept_markdown(kept: dict[str, Any]) -> list[str]:
    """`run --keep`: the final attempt's sandbox, still running, and how to use and delete it."""
    expires = kept.get("expires_at")
    until = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(expires)) if expires else "`sandbox down`"
    commands = kept.get("commands", {})
    out = ["### Kept sandbox", "",
           f"The sandbox of {kept.get('attempt') or 'the final attempt'} is still running, until {until}: "
           f"`{kept['id']}`, forks {', '.join(kept.get('forks') or {}) or 'none'}. Requests with the header "
           f"`baggage: {kept['baggage']}` reach its forks through the routing proxies; its endpoints need no header:",
           "", "| service | endpoint | routing proxy |", "|---|---|---|"]
    out += [f"| {name} | {url} | {kept.get('proxies', {}).get(name, '')} |"
            for name, url in (kept.get("endpoints") or {}).items()]
    out += ["", "```sh"]
    for label, key in (("reproduce", "curl"), ("the tests against it", "test"), ("its logs", "logs"),
                       ("delete it", "down")):
        if commands.get(key):
            out += [f"# {label}", commands[key]]
    return out + ["```"]


def _attempt_markdown(attempt: dict[str, Any]) -> list[str]:
    stat = ", ".join(f"{p} +{a} -{d}" for p, a, d in attempt.get("diffstat", []))
    title = f"{attempt['id']} ({attempt.get('source') or 'model'}): {attempt.get('outcome', attempt['status'])}"
    body = [f"<details><summary>{title}{' — ' + stat if stat else ''}</summary>", ""]
    if attempt.get("refusal"):
        body.append(("Not accepted: " if attempt["status"] == "tested" else "Refused before deploy: ")
                    + attempt["refusal"])
    if attempt.get("start_error"):
        body += ["Failed to start:", "```", attempt["start_error"].strip(), "```"]
    if attempt.get("failing"):
        body.append("Failing: " + ", ".join(f"`{t}`" for t in attempt["failing"]))
    if attempt.get("flaky"):
        body.append("Flaky (passed on rerun): " + ", ".join(f"`{t}`" for t in attempt["flaky"]))
    for test_id, message in attempt.get("messages", {}).items():
        body += ["", f"`{test_id}`:", "```", message.strip()[:800], "```"]
    if attempt.get("log_lines"):
        body += ["", "Log lines:", "```", *attempt["log_lines"][:30], "```"]
    if attempt.get("flows"):
        body += ["", "Flows the tests exercised (through the routing proxies):", "",
                 "| service | request | status | route | calls |", "|---|---|---|---|---|"]
        body += [f"| {f['service']} | `{f['method']} {f['path']}` | {f['status']} | {f['route']} | {f['count']} |"
                 for f in attempt["flows"][:40]]
    body += ["", "```diff", attempt.get("diff", "").rstrip(), "```", "", "</details>", ""]
    return body


def commit_message(state: dict[str, Any]) -> str:
    """The result commit's message: what was fixed and the evidence that it is right."""
    evidence = build_evidence(state, model="")
    title = evidence["ticket"]["title"]
    final = next(a for a in evidence["attempts"] if a["id"] == evidence["final_attempt"])
    subject = f"fix: {title}"
    if len(subject) > 72:
        subject = subject[:71].rsplit(" ", 1)[0] + "…"
    lines = [subject, "",
             f"Validated by greenloop run {evidence['run_id']}: every target passes, no test that passed at base "
             f"fails, and no protected path is touched.", ""]
    lines += [f"- {t['id']}: {t['before']} at base -> {t['after']}" for t in evidence["targets"]]
    passed = sum(1 for outcome in evidence["tests"]["after"].values() if outcome == "passed")
    lines += ["", f"{passed} test(s) passed on the tested tree; attempt {final['id']} of {len(evidence['attempts'])}."]
    if evidence["decisive_log_lines"]:
        lines += ["", "Log lines that explained the failure:", *(f"  {line}" for line in evidence["decisive_log_lines"])]
    return "\n".join(lines) + "\n"
