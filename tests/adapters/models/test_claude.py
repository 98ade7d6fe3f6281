"""ClaudeModel's step loop, driven through the real anthropic SDK against the local Messages API stand-in.

The bench is a small real one: a git repository in tmp_path whose `run_tests` runs pytest as a real subprocess,
`record` stages the edited files, `diff` is `git diff --cached <base>`; its logs and HTTP replies are given.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from contextlib import ExitStack
from pathlib import Path

import pytest

from greenloop.adapters.models.exchanges import exchange_path
from greenloop.adapters.models.claude import TOOL_USE_OVERHEAD
from greenloop.adapters.models.prices import Price, estimate_tokens, price_for, worst_case
from greenloop.adapters.protocols import (Allowance, BudgetSpent, HttpReply, LogLine, ModelRequest, Proposal,
                                          TestReport, TestResult, Ticket, Usage)
from greenloop.adapters.registry import load_model
from greenloop.loop.config import Config, ModelConfig
from greenloop.loop.errors import GreenloopError, ServiceStartError, UsageError
from messages_standin import MessagesStandIn, message, text, tool_use
from support import git, make_repo

KEY = "sk-ant-test-0123456789abcdef"
MODEL = "anthropic:claude-sonnet-5-5"
EDITOR = "str_replace_based_edit_tool"
CACHED = {"type": "ephemeral"}
TARGET = "tests/test_shop.py::test_total"
BUG = "    return sum(prices) - 1\n"
FIX = "    return sum(prices)\n"
SECRET = "s3cr3t-value-123"
FILES = {
    "shop.py": f'def total(prices):\n    """The sum of the prices."""\n{BUG}',
    "settings.py": f'PAYMENT_URL = "https://pay.example"\nPAYMENT_KEY = "{SECRET}"\n',
    "tests/test_shop.py": "from shop import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n",
}


def used(uncached: int, output: int, cache_write: int, cache_read: int) -> dict:
    """A reply's `usage` as the Messages API reports it."""
    return {"input_tokens": uncached, "output_tokens": output, "cache_creation_input_tokens": cache_write,
            "cache_read_input_tokens": cache_read}


# What the stand-in reports each call of fix_script used; its cost is worked out by hand in the first test.
USAGE_1, USAGE_2, USAGE_3 = used(1000, 100, 3000, 0), used(50, 80, 200, 3000), used(20, 30, 100, 3200)


class GitBench:
    """The Bench protocol over a real git repository: edits staged by `record`, the diff against base from git."""

    def __init__(self, root: Path, logs: list[LogLine] | None = None, reply: HttpReply | None = None,
                 tests_fail_with: Exception | None = None):
        self.root = root
        self.base = git(root, "rev-parse", "HEAD").strip()
        self.services = ["api"]
        self.logs = logs or []
        self.reply = reply or HttpReply(status=200, body="ok")
        self.tests_fail_with = tests_fail_with
        self.test_runs = 0
        self.http: list[tuple] = []

    def request(self, step: int = 1, **allowance: object) -> ModelRequest:
        return ModelRequest(step=step, ticket=Ticket(title="total is off by one", body="total([1, 2]) gives 2",
                                                     source="text"),
                            targets=[TARGET], repo=str(self.root), base_commit=self.base,
                            protected_paths=["tests/**"], target_messages={TARGET: "assert 2 == 3"},
                            allowance=Allowance(**allowance))

    def reset(self) -> None:
        """Back to base, as a resumed step's fresh worktree would be."""
        git(self.root, "reset", "-q", "--hard", self.base)

    def record(self, paths: list[str]) -> None:
        if paths:
            git(self.root, "add", "-A", "--", *paths)

    def run_tests(self, selection: list[str] | None = None) -> TestReport:
        if self.tests_fail_with is not None:
            raise self.tests_fail_with
        self.test_runs += 1
        junit = self.root.parent / f"junit-{self.test_runs}.xml"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}",
                   *(selection or [])]
        started = time.time()
        done = subprocess.run(command, cwd=self.root, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        results = {}
        for case in ET.parse(junit).getroot().iter("testcase"):
            test_id = f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"
            problem = next((child for child in case if child.tag in ("failure", "error", "skipped")), None)
            outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}.get(
                problem.tag if problem is not None else "", "passed")
            results[test_id] = TestResult(id=test_id, outcome=outcome,
                                          message=problem.get("message", "") if problem is not None else "")
        return TestReport(command=" ".join(command[1:4]), exit_code=done.returncode,
                          duration=time.time() - started, kind="junit", results=results,
                          output_tail=done.stdout[-2000:], junit_path=str(junit))

    def service_logs(self, service: str | None = None, since: float | None = None) -> list[LogLine]:
        return [line for line in self.logs if service is None or line.service == service]

    def http_request(self, service: str, method: str, path: str, body: str | None = None,
                     headers: dict[str, str] | None = None) -> HttpReply:
        self.http.append((service, method, path, body, headers))
        return self.reply

    def diff(self) -> str:
        return git(self.root, "diff", "--cached", self.base)


@pytest.fixture
def serve(monkeypatch):
    """serve(script) → a running MessagesStandIn that the SDK reaches through ANTHROPIC_BASE_URL."""
    with ExitStack() as stack:
        def start(script) -> MessagesStandIn:
            api = stack.enter_context(MessagesStandIn(script))
            monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
            monkeypatch.setenv("ANTHROPIC_BASE_URL", api.url)
            return api

        yield start


@pytest.fixture
def bench(tmp_path):
    return GitBench(make_repo(tmp_path / "repo", FILES))


def claude(tmp_path: Path, spec: str = MODEL, run: str = "run", record: Path | None = None, **settings):
    """The model as a run builds it; no retries, so a stand-in that could not answer fails the test at once."""
    config = Config(model=ModelConfig(retries=0, **settings))
    return load_model(spec, tmp_path, config=config, run_dir=tmp_path / run, record=record)


def fix_script() -> list:
    """view shop.py → str_replace the bug → end_turn."""
    return [
        message(text("Reading shop."), tool_use(EDITOR, {"command": "view", "path": "shop.py"}), usage=USAGE_1),
        message(tool_use(EDITOR, {"command": "str_replace", "path": "shop.py", "old_str": BUG, "new_str": FIX}),
                usage=USAGE_2),
        message(text("total subtracted one; now it returns the plain sum."), usage=USAGE_3),
    ]


def changed_lines(diff: str) -> list[str]:
    return [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def changed_files(diff: str) -> list[str]:
    return re.findall(r"^diff --git a/(\S+) ", diff, re.M)


def tool_results(body: dict) -> list[dict]:
    """The tool_result blocks of a request's last user turn."""
    last = body["messages"][-1]
    return [block for block in last["content"] if block.get("type") == "tool_result"] if last["role"] == "user" else []


def prompt_tokens(body: dict) -> int:
    """The prompt estimate the model made for this request before it set max_tokens."""
    return estimate_tokens(json.dumps({k: v for k, v in body.items() if k != "max_tokens"})) + TOOL_USE_OVERHEAD


def count_markers(value: object) -> int:
    if isinstance(value, dict):
        return int("cache_control" in value) + sum(count_markers(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_markers(v) for v in value)
    return 0


# 1. A whole step


def test_view_edit_end_turn_proposes_exactly_the_edit_and_counts_what_it_cost(tmp_path, serve, bench):
    api = serve(fix_script())
    proposal = claude(tmp_path).propose(bench.request(), bench)

    assert api.invalid == [] and api.served == 3
    assert isinstance(proposal, Proposal) and proposal.source == MODEL
    assert changed_files(proposal.diff) == ["shop.py"]
    assert changed_lines(proposal.diff) == ["-" + BUG.rstrip("\n"), "+" + FIX.rstrip("\n")]
    assert (bench.root / "shop.py").read_text().endswith(FIX)
    assert proposal.rationale == "total subtracted one; now it returns the plain sum."
    usage = proposal.usage
    assert (usage.calls, usage.tool_calls, usage.test_runs) == (3, 2, 0)
    assert (usage.input_tokens, usage.output_tokens, usage.cache_write_tokens, usage.cache_read_tokens) == (
        1070, 210, 3300, 6200)
    # claude-sonnet-5-5: $2 input, $10 output, $2.5 5-minute cache write, $0.1 cache read, per million tokens
    by_hand = ((1000 * 2 + 100 * 10 + 3000 * 2.5 + 0 * 0.1)         # call 1: $0.0105
               + (50 * 2 + 80 * 10 + 200 * 2.5 + 3000 * 0.1)        # call 2: $0.0017
               + (20 * 2 + 30 * 10 + 100 * 2.5 + 3200 * 0.1)) / 1e6  # call 3: $0.00091
    assert by_hand == pytest.approx(0.01311)
    assert usage.dollars == pytest.approx(by_hand)
    bodies = [r["body"] for r in api.requests]
    assert all(body["model"] == "claude-sonnet-5-5" and body["max_tokens"] == 8192 for body in bodies)
    assert all(r["headers"]["authorization"] == f"Bearer {KEY}" for r in api.requests)
    # each tool's result reached the model in the next request
    [viewed] = tool_results(bodies[1])
    assert viewed["is_error"] is False and "return sum(prices) - 1" in viewed["content"]
    [edited] = tool_results(bodies[2])
    assert edited["is_error"] is False and edited["content"].startswith("Edited shop.py")


# 2. The journal and resuming from it


def test_each_exchange_is_journaled_before_the_next_request_and_a_resume_replays_without_calling(tmp_path, serve,
                                                                                              bench):
    journal = tmp_path / "run" / "model"
    replies = fix_script()
    journaled_when_asked: list[list[bool]] = []

    def script(body: dict, index: int):
        journaled_when_asked.append([exchange_path(journal, 1, n).is_file() for n in (1, 2, 3)])
        return replies[index]

    api = serve(script)
    first = claude(tmp_path).propose(bench.request(), bench)
    assert api.invalid == [] and api.served == 3
    assert journaled_when_asked == [[False, False, False], [True, False, False], [True, True, False]]
    for n, sent in enumerate(api.requests, 1):
        exchange = json.loads(exchange_path(journal, 1, n).read_text())
        assert exchange["request"] == sent["body"]  # the journal holds exactly what went over the wire
        assert exchange["reply"]["id"] == replies[n - 1].body["id"]
        assert exchange["dollars"] > 0

    bench.reset()  # a resumed step starts from a fresh worktree at base
    resumed = claude(tmp_path).propose(bench.request(), bench)
    assert api.served == 3 and len(api.requests) == 3  # not one new call: every reply came from the journal
    assert resumed.diff == first.diff and changed_lines(resumed.diff) == changed_lines(first.diff) != []
    assert resumed.usage == first.usage  # charged again (it was paid once), for the budget's sake


# 3. --record and replay:DIR


def test_a_recording_replays_to_the_same_diff_and_usage_without_a_key_and_stops_where_it_ends(tmp_path, serve, bench,
                                                                                            monkeypatch):
    recording = tmp_path / "recording"
    api = serve(fix_script())
    recorded = claude(tmp_path, record=recording).propose(bench.request(), bench)
    assert api.served == 3
    assert sorted(p.relative_to(recording).as_posix() for p in recording.rglob("*.json")) == [
        "recording.json", "step-0001/call-001.json", "step-0001/call-002.json", "step-0001/call-003.json"]

    bench.reset()
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.delenv("ANTHROPIC_BASE_URL")
    replay = claude(tmp_path, spec=f"replay:{recording}", run="fresh-run")
    replayed = replay.propose(bench.request(), bench)
    assert api.served == 3 and len(api.requests) == 3
    assert replay.name == f"replay:{recording.resolve()}"
    assert replayed.diff == recorded.diff and changed_lines(replayed.diff) != []
    assert replayed.usage == recorded.usage
    assert (tmp_path / "fresh-run" / "model" / "step-0001" / "call-003.json").is_file()

    with pytest.raises(UsageError, match=r"no call 1 for step 2") as raised:
        replay.propose(bench.request(step=2), bench)
    assert str(recording.resolve()) in raised.value.problem


# 4. The budget, checked before each call and each test run


@pytest.mark.parametrize("allowance, spent", [({"tokens": 1000}, "token budget"),
                                              ({"dollars": 0.001}, "dollar budget")])
def test_a_call_that_cannot_fit_the_budget_is_never_sent(tmp_path, serve, bench, allowance, spent):
    api = serve([message(text("never asked"))])
    with pytest.raises(BudgetSpent, match=spent) as raised:
        claude(tmp_path).propose(bench.request(**allowance), bench)
    assert api.served == 0 and api.requests == []
    assert raised.value.usage == Usage()
    assert not (tmp_path / "run" / "model" / "step-0001").exists()


def first_prompt(tmp_path: Path, serve, bench: GitBench) -> int:
    """The prompt estimate of the step's first call, from a probe run with no budget."""
    probe = serve([message(text("probe"))])
    claude(tmp_path, run="probe").propose(bench.request(), bench)
    return prompt_tokens(probe.requests[0]["body"])


ONE_CALL_ONLY = 2900
"""Output tokens the first reply reports: together with its prompt, nearly all a 3000-token allowance left."""


def test_with_tokens_for_one_call_its_output_cap_is_lowered_and_the_next_call_is_not_made(tmp_path, serve, bench):
    prompt = first_prompt(tmp_path, serve, bench)
    allowance = prompt + 3000
    api = serve([message(tool_use(EDITOR, {"command": "view", "path": "shop.py"}),
                         usage=used(10, ONE_CALL_ONLY, prompt, 0)),
                 message(text("never asked"))])
    with pytest.raises(BudgetSpent, match="token budget") as raised:
        claude(tmp_path).propose(bench.request(tokens=allowance), bench)
    assert api.served == 1
    sent = api.requests[0]["body"]
    # the configured max_output_tokens (8192), lowered to what the allowance leaves after the prompt's estimate
    # (the prompt states the allowance, so it is a few tokens longer than the probe's)
    assert sent["max_tokens"] == allowance - prompt_tokens(sent)
    assert 2900 < sent["max_tokens"] < 3000 < 8192
    assert raised.value.usage.calls == 1 and raised.value.usage.tool_calls == 1
    assert raised.value.usage.tokens == prompt + 10 + ONE_CALL_ONLY


def test_with_dollars_for_one_call_its_output_cap_is_lowered_and_the_next_call_is_not_made(tmp_path, serve, bench):
    prompt = first_prompt(tmp_path, serve, bench)
    price = price_for("claude-sonnet-5-5")
    allowance = worst_case(price, prompt, 3000)  # the prompt at its dearest rate ($2.5/M) and 3000 output tokens
    api = serve([message(tool_use(EDITOR, {"command": "view", "path": "shop.py"}),
                         usage=used(10, ONE_CALL_ONLY, prompt, 0)),
                 message(text("never asked"))])
    with pytest.raises(BudgetSpent, match="dollar budget") as raised:
        claude(tmp_path).propose(bench.request(dollars=allowance), bench)
    assert api.served == 1
    sent = api.requests[0]["body"]
    cap = sent["max_tokens"]
    assert 2900 < cap < 3000 < 8192
    assert worst_case(price, prompt_tokens(sent), cap) <= allowance < worst_case(price, prompt_tokens(sent), cap + 1)
    spent = raised.value.usage
    assert spent.calls == 1
    assert spent.dollars == pytest.approx((10 * 2 + ONE_CALL_ONLY * 10 + prompt * 2.5) / 1e6)


def test_with_no_test_runs_left_run_tests_is_not_run_but_answered_with_an_error_and_the_step_goes_on(tmp_path,
                                                                                                     serve, bench):
    api = serve([message(tool_use(EDITOR, {"command": "view", "path": "shop.py"})),
                 message(tool_use("run_tests", {"selection": [TARGET]})),
                 message(text("Done without a test run."))])
    proposal = claude(tmp_path).propose(bench.request(test_runs=0), bench)
    assert api.invalid == [] and api.served == 3 and bench.test_runs == 0
    [refused] = tool_results(api.requests[2]["body"])
    assert refused["is_error"] is True and refused["content"].startswith("not run: the test-run budget allowed 0")
    assert (proposal.usage.calls, proposal.usage.tool_calls, proposal.usage.test_runs) == (3, 2, 0)


def test_a_real_test_run_reaches_the_model_and_counts_against_the_test_runs_left(tmp_path, serve, bench):
    api = serve([message(tool_use("run_tests", {"selection": [TARGET]})),
                 message(tool_use("run_tests", {})),
                 message(text("Out of test runs."))])
    proposal = claude(tmp_path).propose(bench.request(test_runs=1), bench)
    assert api.invalid == [] and api.served == 3 and bench.test_runs == 1
    [report] = tool_results(api.requests[1]["body"])
    assert report["is_error"] is False
    assert "1 failed" in report["content"] and f"FAILED {TARGET}" in report["content"]
    assert "assert 2 == 3" in report["content"]
    [refused] = tool_results(api.requests[2]["body"])
    assert refused["is_error"] is True and "test-run budget allowed 1 run(s)" in refused["content"]
    assert (proposal.usage.calls, proposal.usage.tool_calls, proposal.usage.test_runs) == (3, 2, 1)


# 5. Rounds


def test_when_the_rounds_run_out_the_proposal_is_the_worktree_diff_so_far(tmp_path, serve, bench):
    def always_a_tool(body: dict, index: int):
        if index == 0:
            return message(tool_use(EDITOR, {"command": "str_replace", "path": "shop.py", "old_str": BUG,
                                             "new_str": FIX}))
        return message(tool_use(EDITOR, {"command": "view", "path": "shop.py"}))

    api = serve(always_a_tool)
    proposal = claude(tmp_path, max_rounds=2).propose(bench.request(), bench)
    assert api.invalid == [] and api.served == 2 and len(api.requests) == 2
    assert changed_lines(proposal.diff) == ["-" + BUG.rstrip("\n"), "+" + FIX.rstrip("\n")]
    assert (proposal.usage.calls, proposal.usage.tool_calls) == (2, 2)


# 6. pause_turn


def test_pause_turn_sends_the_assistant_turn_back_without_a_tool_result(tmp_path, serve, bench):
    api = serve([message(text("Still thinking about shop.py."), stop_reason="pause_turn"),
                 message(text("Nothing to change."))])
    proposal = claude(tmp_path).propose(bench.request(), bench)
    assert api.invalid == [] and api.served == 2
    second = api.requests[1]["body"]["messages"]
    assert [m["role"] for m in second] == ["user", "assistant"]
    assert [block["text"] for block in second[-1]["content"]] == ["Still thinking about shop.py."]
    assert "tool_result" not in json.dumps(second)
    assert proposal.diff == "" and proposal.usage.calls == 2 and proposal.usage.tool_calls == 0
    assert proposal.rationale == "Nothing to change."


# 7. Redaction


def test_a_secret_in_a_viewed_file_a_log_line_or_a_reply_never_reaches_the_model(tmp_path, serve,
                                                                               monkeypatch):
    monkeypatch.setenv("PAYMENT_SECRET", SECRET)
    root = make_repo(tmp_path / "repo", FILES)
    bench = GitBench(root, logs=[LogLine(service="api", time=time.time(), text=f"charging with key {SECRET}")],
                     reply=HttpReply(status=200, headers={"x-key": SECRET}, body=f'{{"key": "{SECRET}"}}'))
    api = serve([message(tool_use(EDITOR, {"command": "view", "path": "settings.py"})),
                 message(tool_use("service_logs", {"service": "api"})),
                 message(tool_use("http_request", {"service": "api", "method": "GET", "path": "/config"})),
                 message(text("The key is fine."))])
    claude(tmp_path).propose(bench.request(), bench)
    assert api.invalid == [] and api.served == 4
    assert bench.http == [("api", "GET", "/config", None, None)]
    for sent in api.requests:
        assert SECRET not in json.dumps(sent["body"])
    bodies = [r["body"] for r in api.requests]
    for body, shown in ((bodies[1], "PAYMENT_KEY"), (bodies[2], "charging with key"), (bodies[3], "HTTP 200")):
        [result] = tool_results(body)
        assert shown in result["content"] and "[redacted]" in result["content"]
    for written in (tmp_path / "run").rglob("*"):
        if written.is_file():
            assert SECRET not in written.read_text()


# 8. Prompt caching


def test_cache_breakpoints_on_the_prefix_and_on_the_conversation_so_far_never_more_than_four(tmp_path, serve,
                                                                                          bench):
    api = serve([message(tool_use(EDITOR, {"command": "view", "path": "shop.py"})),
                 message(tool_use("search", {"pattern": "total"})),
                 message(tool_use(EDITOR, {"command": "view", "path": "tests/test_shop.py"})),
                 message(tool_use(EDITOR, {"command": "str_replace", "path": "shop.py", "old_str": BUG,
                                           "new_str": FIX})),
                 message(text("Fixed."))])
    claude(tmp_path).propose(bench.request(), bench)
    assert api.invalid == [] and api.served == 5
    bodies = [r["body"] for r in api.requests]
    for index, body in enumerate(bodies):
        assert body["system"][0]["cache_control"] == CACHED
        assert body["messages"][0]["content"][0]["cache_control"] == CACHED
        if index == 0:
            assert count_markers(body) == 2
        else:
            assert body["messages"][-1]["content"][-1]["cache_control"] == CACHED
            assert count_markers(body) == 3  # system, task, the latest turn: earlier turns lose theirs
        assert count_markers(body) <= 4


# 9. Tool errors the model reads and works past


def test_an_unknown_tool_and_a_service_that_will_not_start_are_error_results_and_the_step_goes_on(tmp_path, serve):
    problem = "service api exited with code 1 before it was healthy (see its log)"
    bench = GitBench(make_repo(tmp_path / "repo", FILES), tests_fail_with=ServiceStartError(problem))
    api = serve([message(tool_use("frobnicate", {"x": 1})),
                 message(tool_use("run_tests", {})),
                 message(tool_use(EDITOR, {"command": "str_replace", "path": "shop.py", "old_str": BUG,
                                           "new_str": FIX})),
                 message(text("Fixed without a test run."))])
    proposal = claude(tmp_path).propose(bench.request(test_runs=5), bench)
    assert api.invalid == [] and api.served == 4
    bodies = [r["body"] for r in api.requests]
    [unknown] = tool_results(bodies[1])
    assert unknown["is_error"] is True and unknown["content"] == "unknown tool 'frobnicate'"
    [failed] = tool_results(bodies[2])
    assert failed["is_error"] is True and failed["content"] == problem
    assert changed_lines(proposal.diff) == ["-" + BUG.rstrip("\n"), "+" + FIX.rstrip("\n")]
    assert (proposal.usage.calls, proposal.usage.tool_calls, proposal.usage.test_runs) == (4, 3, 0)
    noted = [json.loads(line) for line in (tmp_path / "run/model/step-0001/tools.jsonl").read_text().splitlines()]
    assert [(n["tool"], n["is_error"]) for n in noted] == [("frobnicate", True), ("run_tests", True), (EDITOR, False)]


# Found by these tests, fixed since


def test_the_dollar_cap_prices_output_at_the_long_context_band_when_the_prompt_is_in_it(tmp_path, serve, bench):
    price = price_for("claude-haiku-5-5")
    request = bench.request()
    request.ticket.body = "the basket total is wrong " * 13_000  # ~340 kB: a prompt in the long-context band
    probe = serve([message(text("probe"), model="claude-haiku-5-5")])
    claude(tmp_path, spec="anthropic:claude-haiku-5-5", run="probe").propose(request, bench)
    prompt = prompt_tokens(probe.requests[0]["body"])
    assert prompt > price.long_context_above

    allowance = worst_case(price, prompt, 2000)  # room for the prompt and 2000 output tokens, at the band's prices
    api = serve([message(text("Nothing to change."), model="claude-haiku-5-5")])
    request.allowance = Allowance(dollars=allowance)
    claude(tmp_path, spec="anthropic:claude-haiku-5-5").propose(request, bench)
    sent = api.requests[0]["body"]
    cap = sent["max_tokens"]
    assert worst_case(price, prompt_tokens(sent), cap) <= allowance, (
        f"max_tokens {cap} could cost more than the ${allowance:.4f} allowed")


def test_a_dollar_allowance_with_a_model_whose_output_is_free_still_makes_the_call(tmp_path, serve, bench):
    free = Price(input=0, output=0, cache_write_5m=0, cache_write_1h=0, cache_read=0)
    api = serve([message(text("Nothing to change."), model="claude-free")])
    model = claude(tmp_path, spec="anthropic:claude-free", prices={"claude-free": free})
    try:
        proposal = model.propose(bench.request(dollars=1.0), bench)
    except (GreenloopError, BudgetSpent) as error:  # pragma: no cover - a refusal would be a different failure
        pytest.fail(f"refused: {error}")
    assert api.served == 1 and proposal.usage.dollars == 0
