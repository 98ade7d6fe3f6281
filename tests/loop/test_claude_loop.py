"""Claude as the model, end to end: the greenloop CLI as a real process, the real anthropic SDK inside it, and a
local stand-in for the Messages API that plays the model (every reply it sends validates as a Message)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from messages_standin import MessagesStandIn, message, text, tool_use
from support import assert_nothing_left, cli_env, git, make_repo, run_cli

KEY = "sk-ant-test-0123456789abcdef"
EDITOR = "str_replace_based_edit_tool"
SHOP_TARGET = "tests/test_shop.py::test_spring_coupon_on_espresso_machine"
WRONG_LINE = '    """The discount of `percent` % on `amount`, to the cent."""'
BUGGY_LINE = "    return RATES.multiply(amount, rate(percent)).quantize(CENT, context=RATES)"
FIXED_LINE = "    return (amount * rate(percent)).quantize(CENT, rounding=ROUND_HALF_UP)"


def api_env(api: MessagesStandIn) -> dict[str, str]:
    return {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": api.url}


def tool_results(body: dict) -> list[dict]:
    """The tool_result blocks of a request's last user turn."""
    content = body["messages"][-1]["content"]
    return [block for block in content if isinstance(block, dict) and block.get("type") == "tool_result"]


def result_text(body: dict) -> str:
    return "\n".join(str(block["content"]) for block in tool_results(body))


def shop_script() -> list:
    """Step 1: read the code, reproduce the failure, read pricing's log, make a wrong edit. Step 2: the right one."""
    return [
        message(text("Reading pricing."), tool_use(EDITOR, {"command": "view", "path": "pricing/app.py"})),
        lambda body: message(tool_use("run_tests", {"selection": [SHOP_TARGET]})),
        lambda body: message(tool_use("service_logs", {"service": "pricing"})),
        lambda body: message(tool_use(EDITOR, {"command": "str_replace", "path": "pricing/app.py",
                                               "old_str": WRONG_LINE, "new_str": WRONG_LINE + "  # checked"})),
        lambda body: message(text("The discount is computed in a four-digit context; I annotated it.")),
        lambda body: message(tool_use(EDITOR, {"command": "str_replace", "path": "pricing/app.py",
                                               "old_str": BUGGY_LINE, "new_str": FIXED_LINE})),
        lambda body: message(tool_use("run_tests", {})),
        lambda body: message(text("percent_off quantized a 5-digit amount in a 4-digit context; fixed.")),
    ]


def test_claude_reads_runs_tests_reads_logs_and_edits_then_fixes_shop_and_replays_without_a_key(example, tmp_path):
    repo, ticket, _ = example("shop")
    head = git(repo, "rev-parse", "HEAD").strip()
    recording = tmp_path / "recording"

    with MessagesStandIn(shop_script()) as api:
        result = run_cli("run", repo, "--ticket", ticket, "--model", "anthropic:claude-sonnet-5-5", "--record",
                         recording, "--json", env=api_env(api))
    assert result.code == 0, result.stderr
    assert api.invalid == [] and api.served == 8
    bodies = [r["body"] for r in api.requests]
    assert all(r["headers"]["authorization"] == f"Bearer {KEY}" for r in api.requests)
    # run_tests mid-step: its result is in the very next request, failing for the ticket's reason
    assert f"FAILED {SHOP_TARGET}" in result_text(bodies[2])
    assert "InvalidOperation" in result_text(bodies[3])  # pricing's log, read through service_logs
    assert "Edited pricing/app.py" in result_text(bodies[4])
    # step 2 knows how step 1 ended, and starts again from base (its str_replace finds the original line)
    step2 = bodies[5]["messages"][0]["content"][0]["text"]
    assert "attempt-1: not fixed" in step2 and "# checked" in step2
    assert "15 passed" in result_text(bodies[7]) and "failed" not in result_text(bodies[7])
    # the stable prefix is marked for caching, and the conversation so far too
    assert bodies[1]["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert bodies[1]["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}

    evidence = json.loads((Path(result.json["run_dir"]) / "evidence.json").read_text())
    first, second = evidence["attempts"]
    assert (first["outcome"], second["outcome"]) == ("not_fixed", "fixed")
    published = result.json["branch"]
    diff = git(repo, "diff", head, published)
    assert "-" + BUGGY_LINE in diff and "+" + FIXED_LINE in diff and "# checked" not in diff
    model = evidence["model_usage"]
    assert model["calls"] == 8 and model["tool_calls"] == 6 and model["test_runs"] == 2
    assert model["transcript"].endswith("model")
    assert (Path(result.json["run_dir"]) / "model" / "step-0002" / "call-003.json").is_file()
    assert_nothing_left(repo, head)

    # Replay: the recorded exchanges answer, with no key and no API at all, and give the same diff and verdict.
    replay_repo = tmp_path / "again"
    subprocess.run(["git", "clone", "-q", str(repo), str(replay_repo)], check=True)
    replayed = run_cli("run", replay_repo, "--ticket", ticket, "--model", f"replay:{recording}", "--json",
                       env={"ANTHROPIC_API_KEY": "", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"})
    assert replayed.code == 0, replayed.stderr
    assert git(replay_repo, "diff", head, replayed.json["branch"]) == diff
    again = json.loads((Path(replayed.json["run_dir"]) / "evidence.json").read_text())
    assert [a["outcome"] for a in again["attempts"]] == ["not_fixed", "fixed"]
    assert again["budget"]["tokens"] == evidence["budget"]["tokens"]
    assert_nothing_left(replay_repo)


def test_a_run_killed_mid_step_resumes_without_paying_for_any_exchange_twice(example):
    repo, ticket, _ = example("shop")
    script = shop_script()[5:]  # the right edit at once: edit, run_tests (killed during it), summary
    with MessagesStandIn(script) as api:
        env = {**cli_env(), **api_env(api)}
        process = subprocess.Popen([sys.executable, "-m", "greenloop.loop.cli", "run", str(repo), "--ticket",
                                    str(ticket), "--model", "anthropic:claude-sonnet-5-5"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        runs = repo / ".greenloop" / "runs"
        deadline = time.time() + 120
        while not list(runs.glob("*/model/step-0001/call-002.json")) and time.time() < deadline:
            time.sleep(0.05)
        assert api.served == 2, "the run never reached its run_tests call"
        os.killpg(process.pid, signal.SIGKILL)  # while it runs the tests the second reply asked for
        process.wait()
        run_id = next(runs.iterdir()).name

        resumed = run_cli("resume", run_id, "--repo", repo, "--json", env=api_env(api))

    assert resumed.code == 0, resumed.stderr
    assert resumed.json["verdict"] == "fixed"
    assert api.served == 3 and len(api.requests) == 3 and api.invalid == []  # each reply paid for once
    assert_nothing_left(repo)


def test_token_cap_stops_the_run_before_the_call_that_would_cross_it(example):
    repo, _, _ = example("shop")
    greedy = {"input_tokens": 15000, "output_tokens": 100, "cache_creation_input_tokens": 0,
              "cache_read_input_tokens": 0}
    with MessagesStandIn([message(tool_use(EDITOR, {"command": "view", "path": "pricing/app.py"}), usage=greedy),
                          message(text("never served"))]) as api:
        result = _run_with_budget(repo, api, "max_tokens = 20000")
    assert api.served == 1, "the second call would have crossed the cap, so it must not be made"
    assert result.code == 1 and result.json["verdict"] == "not_fixed"
    assert "token budget" in result.json["stop_reason"]
    evidence = json.loads(Path(result.json["evidence"]).read_text())
    assert evidence["budget"]["tokens"] == 15100 and evidence["attempts"] == []


def test_dollar_cap_stops_the_run_before_the_call_that_would_cross_it(example):
    repo, _, _ = example("shop")
    costly = {"input_tokens": 10000, "output_tokens": 2000, "cache_creation_input_tokens": 0,
              "cache_read_input_tokens": 0}  # $0.02 + $0.02 at claude-sonnet-5-5's $2 / $10 per million
    with MessagesStandIn([message(tool_use(EDITOR, {"command": "view", "path": "pricing/app.py"}), usage=costly),
                          message(text("never served"))]) as api:
        result = _run_with_budget(repo, api, "max_dollars = 0.05")
    assert api.served == 1
    assert result.code == 1 and "dollar budget" in result.json["stop_reason"]
    assert json.loads(Path(result.json["evidence"]).read_text())["budget"]["dollars"] == 0.04


def _run_with_budget(repo: Path, api: MessagesStandIn, cap: str):
    config = repo / "greenloop.toml"
    config.write_text(config.read_text().replace("[budget]\n", f"[budget]\n{cap}\n"))
    git(repo, "commit", "-qam", "cap")
    return run_cli("run", repo, "--ticket-text", "fix the coupon", "--target", SHOP_TARGET, "--model",
                   "anthropic:claude-sonnet-5-5", "--json", env=api_env(api))


def test_an_unpriced_model_is_refused_while_a_dollar_cap_is_set(example):
    repo, _, _ = example("tax")
    config = repo / "greenloop.toml"
    config.write_text(config.read_text().replace("[budget]\n", "[budget]\nmax_dollars = 1\n"))
    git(repo, "commit", "-qam", "cap")
    result = run_cli("run", repo, "--ticket-text", "x", "--model", "anthropic:claude-unknown-9",
                     env={"ANTHROPIC_API_KEY": KEY})
    assert result.code == 2
    assert "no known price for model 'claude-unknown-9'" in result.stderr and "[model.prices" in result.stderr
    assert not (repo / ".greenloop" / "runs").exists()


def test_a_missing_key_is_a_usage_error_naming_the_variable(example):
    repo, ticket, _ = example("tax")
    env = {k: v for k, v in cli_env().items() if not k.startswith("ANTHROPIC_")}
    done = subprocess.run([sys.executable, "-m", "greenloop.loop.cli", "run", str(repo), "--ticket", str(ticket),
                           "--model", "anthropic:claude-sonnet-5-5"], env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert "ANTHROPIC_API_KEY" in done.stderr and "export ANTHROPIC_API_KEY=" in done.stderr


REPRO = "tests/repro/test_books.py"
REPRO_TEST = f"{REPRO}::test_a_book_takes_the_reduced_rate"
SERVICE_SECRET = "tok_live_4f9a2c7e1b8d"  # examples/tax: the service prints it at start-up
TICKET_TOKEN = "ghp_" + "Zx8" * 12


def repro_file(total: str) -> str:
    return ("import json, os, urllib.request\n\n\ndef test_a_book_takes_the_reduced_rate():\n"
            "    with urllib.request.urlopen(os.environ['TAX_URL'] + '/quote?amount=100.00&kind=book') as answer:\n"
            f"        assert json.loads(answer.read())['total'] == '{total}'\n")


def test_nothing_fails_at_base_so_a_reproduction_comes_first_then_the_fix_and_no_secret_reaches_the_model(
        example, tmp_path):
    repo, ticket, _ = example("tax")
    head = git(repo, "rev-parse", "HEAD").strip()
    ticket_file = tmp_path / "ticket.md"
    ticket_file.write_text(ticket.read_text() + f"\nReported through the API with token {TICKET_TOKEN}.\n")
    create = lambda total: tool_use(EDITOR, {"command": "create", "path": REPRO, "file_text": repro_file(total)})  # noqa: E731
    script = [
        # step 1: try the running service, read its log, then write a "reproduction" that passes at base: rejected
        message(tool_use("http_request", {"service": "tax", "method": "GET",
                                          "path": "/quote?amount=100.00&kind=book"})),
        lambda body: message(tool_use("service_logs", {"service": "tax"})),
        lambda body: message(create("119.00")),
        lambda body: message(text("Wrote a test.")),
        # step 2: a real one, checked with run_tests before it is proposed
        lambda body: message(create("107.00")),
        lambda body: message(tool_use("run_tests", {"selection": [REPRO_TEST]})),
        lambda body: message(text("It fails at base: books get 19 %.")),
        # step 3: the fix, after tool calls that are refused
        lambda body: message(tool_use(EDITOR, {"command": "view", "path": "../../etc/passwd"}),
                             tool_use(EDITOR, {"command": "view", "path": "/etc/passwd"}),
                             tool_use(EDITOR, {"command": "str_replace", "path": "tests/test_tax.py",
                                               "old_str": "19.00", "new_str": "7.00"})),
        lambda body: message(tool_use(EDITOR, {"command": "str_replace", "path": "tax/app.py",
                                               "old_str": '"book": Decimal("0.19")',
                                               "new_str": '"book": Decimal("0.07")'})),
        lambda body: message(tool_use("service_logs", {"service": "tax"})),  # its changed version's start-up
        lambda body: message(text("Books now take the reduced rate.")),
    ]
    with MessagesStandIn(script) as api:
        result = run_cli("run", repo, "--ticket", ticket_file, "--model", "anthropic:claude-sonnet-5-5", "--json",
                         env=api_env(api))
    assert result.code == 0, result.stderr
    assert api.invalid == [] and api.served == len(script)
    bodies = [r["body"] for r in api.requests]
    assert '"total": "119.00"' in result_text(bodies[1])  # the request reached the sandbox's tax service ...
    assert "kind=book rate=0.19" in result_text(bodies[2])  # ... whose log line the model then read
    assert "reproduction-1: rejected" in bodies[4]["messages"][0]["content"][0]["text"]
    assert f"FAILED {REPRO_TEST}" in result_text(bodies[6])
    refused = tool_results(bodies[8])
    assert [r["is_error"] for r in refused] == [True, True, True]
    assert "outside the repository" in refused[0]["content"] and "relative to the repository root" in (
        refused[1]["content"]) and "protected path" in refused[2]["content"]
    assert "payment token [redacted]" in result_text(bodies[10])  # the fork's start-up line, the token masked

    evidence = json.loads(Path(result.json["evidence"]).read_text())
    assert [(r["id"], r["outcome"]) for r in evidence["reproductions"]] == [("reproduction-1", "rejected"),
                                                                            ("reproduction-2", "reproduced")]
    assert "pass at base" in evidence["reproductions"][0]["refusal"]
    assert [(t["id"], t["before"], t["after"]) for t in evidence["targets"]] == [(REPRO_TEST, "failed", "passed")]
    branch = result.json["branch"]
    assert git(repo, "diff", "--name-only", head, branch).split() == ["tax/app.py", REPRO]
    # fixed, against a test the model wrote: every account of the run says so, for the reviewer to read it first
    assert result.json["verdict"] == "fixed" and result.json["target_written_by_model"] is True
    assert evidence["target_written_by_model"] is True
    run_dir = Path(result.json["run_dir"])
    assert (run_dir / "evidence.md").read_text().splitlines()[0].endswith(
        f"— the target is a test the model wrote: read {REPRO} first")

    recorded = [json.dumps(r["body"]) for r in api.requests] + [p.read_text() for folder in ("model", "requests")
                                                         for p in (run_dir / folder).rglob("*.json*")]
    recorded += [(run_dir / name).read_text() for name in ("evidence.json", "evidence.md", "run.json")]
    for secret in (SERVICE_SECRET, TICKET_TOKEN, KEY):
        assert not any(secret in text for text in recorded), f"{secret[:8]}… left greenloop"
    assert_nothing_left(repo, head)


def test_the_summary_of_a_fix_against_a_model_written_reproduction_says_to_read_that_test_first(tmp_path):
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": '[test]\ncommand = "python -m pytest -q tests"\n',
        "calc.py": "def add(a, b):\n    return a + b if a >= 0 else a - b\n",
        "pytest.ini": "[pytest]\npythonpath = .\n",
        "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 2) == 4\n",
    })
    repro = "tests/repro/test_negative.py"
    script = [
        message(tool_use(EDITOR, {"command": "create", "path": repro, "file_text":
                                  "from calc import add\n\n\ndef test_negative():\n    assert add(-1, -1) == -2\n"})),
        lambda body: message(text("It fails at base.")),
        lambda body: message(tool_use(EDITOR, {"command": "str_replace", "path": "calc.py",
                                               "old_str": "a + b if a >= 0 else a - b", "new_str": "a + b"})),
        lambda body: message(text("add subtracted negative numbers.")),
    ]
    with MessagesStandIn(script) as api:
        result = run_cli("run", repo, "--ticket-text", "add is wrong for negative numbers", "--model",
                         "anthropic:claude-sonnet-5-5", env=api_env(api))

    assert result.code == 0, result.stderr
    summary = result.stdout.strip().splitlines()
    assert summary[0].startswith("greenloop: fixed ✅ — add is wrong for negative numbers (2 step(s), ")
    assert summary[0].endswith(f"— the target is a test the model wrote: read {repro} first")
    assert summary[1] == f"  {repro}::test_negative: failed at base → passed (a test the model wrote)"


def test_overload_is_retried_with_progress_lines_and_a_rejected_key_ends_the_run_with_its_fix(example):
    from messages_standin import error

    repo, ticket, _ = example("tax")
    config = repo / "greenloop.toml"
    config.write_text(config.read_text() + "\n[model]\nretry_initial_wait = 0.01\n")
    git(repo, "commit", "-qam", "fast retries")
    with MessagesStandIn([error(529, "overloaded_error"), error(529, "overloaded_error"),
                          message(text("Nothing to write.")), error(401, "authentication_error")]) as api:
        first = run_cli("run", repo, "--ticket", ticket, "--model", "anthropic:claude-sonnet-5-5", "--max-steps",
                        "1", "--json", env=api_env(api))
        second = run_cli("run", repo, "--ticket", ticket, "--model", "anthropic:claude-sonnet-5-5", "--json",
                         env=api_env(api))
    assert first.code == 1 and api.invalid == []
    assert first.stderr.count("Anthropic API 529 overloaded_error") == 2  # then the third try was answered
    assert "reproduction-1 rejected: it adds no test file" in first.stderr
    assert second.code == 2
    assert second.json["verdict"] == "error" and "rejected the key (401" in second.json["stop_reason"]
    assert "export ANTHROPIC_API_KEY=" in second.stderr
    assert KEY not in second.stdout + second.stderr
    assert_nothing_left(repo)
