"""Every cap holds exactly, counted outside greenloop: test-run, token, dollar and wall-time caps, also with candidates
tested side by side (`[sandbox] width = 3`), and a cap that stops a run is named in its stop_reason."""

from __future__ import annotations

import json
import time
from pathlib import Path

from messages_standin import MessagesStandIn, message, text, tool_use
from support import assert_nothing_left, make_repo, run_cli

PYTEST_INI = "[pytest]\npythonpath = .\n"
KEY = "sk-ant-test-0123456789abcdef"
EDITOR = "str_replace_based_edit_tool"


def counting_conftest(sessions: Path) -> str:
    """A conftest.py at base that appends a line to `sessions` (outside the repository) whenever a pytest session
    starts: every execution of the test command, warm or cold, the graph's, the model's and reruns alike."""
    return ("def pytest_sessionstart(session):\n"
            f"    with open({str(sessions)!r}, 'a') as sessions:\n"
            "        sessions.write(str(session.config.rootpath) + '\\n')\n")


def flaky_test(record: Path) -> str:
    """Passes in the first checkout it runs in (the base run's); in any other, fails the first time it runs there and
    passes after: a flake that only greenloop's rerun tells apart from a regression."""
    return ("from pathlib import Path\n\n\n"
            "def test_flaky():\n"
            f"    record = Path({str(record)!r})\n"
            "    here = str(Path(__file__).resolve().parent.parent)\n"
            "    seen = record.read_text().splitlines() if record.exists() else []\n"
            "    with record.open('a') as out:\n"
            "        out.write(here + '\\n')\n"
            "    assert not seen or here in seen\n")


def wrong_fix(new: str) -> str:
    return ("diff --git a/shop.py b/shop.py\n--- a/shop.py\n+++ b/shop.py\n@@ -1,2 +1,2 @@\n def total(xs):\n"
            f"-    return sum(xs) + 1\n+    return {new}\n")


def shop(tmp_path: Path, config: str, flaky: bool = True) -> tuple[Path, Path]:
    """A one-function library whose target fails at base, a flaky test, and a session counter; (repo, counter)."""
    sessions = tmp_path / "sessions.txt"
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": '[test]\ncommand = "python -m pytest -q tests"\n' + config,
        "pytest.ini": PYTEST_INI, "conftest.py": counting_conftest(sessions),
        "shop.py": "def total(xs):\n    return sum(xs) + 1\n",
        "tests/test_shop.py": "from shop import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n",
        **({"tests/test_flaky.py": flaky_test(tmp_path / "flaky-record.txt")} if flaky else {}),
    })
    return repo, sessions


def test_at_width_3_test_runs_never_exceed_the_cap_and_a_flake_is_rerun_only_while_a_run_is_left(tmp_path):
    """Cap 6: the base run, three candidates' judged runs, and two reruns. Each candidate's first run fails the
    flaky test, so each would want a rerun: the first two get the two runs left, the third's flake stays failed."""
    repo, sessions = shop(tmp_path, "[budget]\nmax_test_runs = 6\n[sandbox]\nwidth = 3\n")
    patches = tmp_path / "patches"
    patches.mkdir()
    for name, new in (("01.diff", "sum(xs) + 2"), ("02.diff", "sum(xs) + 3"), ("03.diff", "sum(xs) * 2"),
                      ("04.diff", "sum(xs) * 3")):
        (patches / name).write_text(wrong_fix(new))

    result = run_cli("run", repo, "--ticket-text", "total is one too many", "--target",
                     "tests/test_shop.py::test_total", "--model", f"scripted:{patches}", "--json")

    assert result.code == 1, result.stderr
    executed = sessions.read_text().splitlines()
    assert len(executed) == 6  # at most the cap, counted by pytest itself; and the cap was used to its last run
    assert result.json["verdict"] == "not_fixed"
    assert "test-run budget" in result.json["stop_reason"]
    evidence = json.loads(Path(result.json["evidence"]).read_text())
    attempts = {a["id"]: a for a in evidence["attempts"]}
    assert sorted(attempts) == ["attempt-1", "attempt-2", "attempt-3"]  # side by side, never a fourth
    assert {a["lane"] for a in attempts.values()} == {"lane-1", "lane-2", "lane-3"}
    assert [attempts[k]["test_runs"] for k in sorted(attempts)] == [2, 2, 1]
    assert attempts["attempt-1"]["flaky"] == attempts["attempt-2"]["flaky"] == ["tests/test_flaky.py::test_flaky"]
    assert attempts["attempt-3"]["flaky"] == []  # no run was left to rerun it: a regression, as it first ran
    assert "tests/test_flaky.py::test_flaky" in attempts["attempt-3"]["regressions"]
    assert 1 + sum(a["test_runs"] for a in attempts.values()) + evidence["model_usage"]["test_runs"] == len(executed)
    assert_nothing_left(repo)


def api_env(api: MessagesStandIn) -> dict[str, str]:
    return {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": api.url}


class Conversations:
    """Plays Claude for any number of steps: each step edits shop.py (a different wrong fix each time) and ends.
    Each reply's usage is what the real API would bill for the request it answers: about one token per 4 bytes of
    it, and the output written (within the call's max_tokens); `billed` adds them up outside greenloop."""

    def __init__(self) -> None:
        self.steps = 0
        self.billed: list[dict] = []

    def __call__(self, body: dict, index: int):
        usage = {"input_tokens": len(json.dumps(body)) // 4, "output_tokens": min(400, body["max_tokens"]),
                 "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
        self.billed.append(usage)
        last = body["messages"][-1]["content"]
        answered = [block for block in last if isinstance(block, dict) and block.get("type") == "tool_result"]
        if not answered:
            self.steps += 1
            return message(tool_use(EDITOR, {"command": "str_replace", "path": "shop.py",
                                             "old_str": "sum(xs) + 1", "new_str": f"sum(xs) + {self.steps + 1}"}),
                           usage=usage)
        return message(text("Changed the offset."), usage=usage)


def claude_at_width_3(tmp_path: Path, cap: str):
    repo, _ = shop(tmp_path, f"[budget]\n{cap}\n[sandbox]\nwidth = 3\n", flaky=False)
    conversations = Conversations()
    with MessagesStandIn(conversations) as api:
        result = run_cli("run", repo, "--ticket-text", "total is one too many", "--target",
                         "tests/test_shop.py::test_total", "--model", "anthropic:claude-sonnet-5-5", "--json",
                         env=api_env(api))
    assert api.invalid == [], api.invalid
    assert result.code == 1, result.stderr
    return repo, result, conversations, json.loads(Path(result.json["evidence"]).read_text())


def test_at_width_3_a_token_cap_is_never_crossed_and_the_stop_names_it(tmp_path):
    """A call here takes about 1,700 tokens and is budgeted at about 4,000 beforehand (prompt estimated high, plus
    the smallest output cap worth a call): 11,000 runs out in the third lane of the first batch, so the later
    lanes' allowances must count what the earlier ones spent."""
    repo, result, api, evidence = claude_at_width_3(tmp_path, "max_tokens = 11000")

    billed = sum(u["input_tokens"] + u["output_tokens"] for u in api.billed)
    assert billed <= 11000 and evidence["budget"]["tokens"] == billed
    assert len(evidence["attempts"]) >= 2, "the cap must bite within a batch, after candidates were proposed"
    assert result.json["verdict"] == "not_fixed" and "token budget" in result.json["stop_reason"]
    assert_nothing_left(repo)


def test_at_width_3_a_dollar_cap_is_never_crossed_and_the_stop_names_it(tmp_path):
    """About $0.007 a call, budgeted at about $0.02 beforehand: $0.05 runs out in the third lane of the first batch."""
    repo, result, api, evidence = claude_at_width_3(tmp_path, "max_dollars = 0.05")

    billed = sum(u["input_tokens"] * 2.0 + u["output_tokens"] * 10.0 for u in api.billed) / 1e6  # $2 / $10 per M
    assert billed <= 0.05 and abs(evidence["budget"]["dollars"] - billed) < 1e-6
    assert len(evidence["attempts"]) >= 2, "the cap must bite within a batch, after candidates were proposed"
    assert result.json["verdict"] == "not_fixed" and "dollar budget" in result.json["stop_reason"]
    assert_nothing_left(repo)


def test_at_width_3_each_lane_s_model_gets_the_test_runs_left_after_every_judged_run_of_the_batch(tmp_path):
    """Cap 6, Claude running the tests once per step when it may. The base run leaves 5; lane 1 may run 4 (its own
    candidate's judged run kept aside) and runs 1; lane 2 may run 4 - 2 = 2 (lane 1's judged run kept aside too)
    and runs 1; lane 3 may run 3 - 3 = 0, and is refused. Then three judged runs: 6 executions, the cap exactly."""
    repo, sessions = shop(tmp_path, "[budget]\nmax_test_runs = 6\n[sandbox]\nwidth = 3\n", flaky=False)

    def runs_once_then_edits(body: dict, index: int):
        calls = [b for m in body["messages"] if m["role"] == "assistant" for b in m["content"]
                 if b.get("type") == "tool_use"]
        if any(call["name"] == EDITOR for call in calls):
            return message(text("Changed the offset."))
        if not calls:
            return message(tool_use("run_tests", {}))
        lane = sum(len(r["body"]["messages"]) == 1 for r in api.requests)  # conversations begun so far
        return message(tool_use(EDITOR, {"command": "str_replace", "path": "shop.py", "old_str": "sum(xs) + 1",
                                         "new_str": f"sum(xs) + {lane + 1}"}))

    with MessagesStandIn(runs_once_then_edits) as api:
        result = run_cli("run", repo, "--ticket-text", "total is one too many", "--target",
                         "tests/test_shop.py::test_total", "--model", "anthropic:claude-sonnet-5-5", "--json",
                         env=api_env(api))

    assert api.invalid == [], api.invalid
    assert result.code == 1, result.stderr
    assert len(sessions.read_text().splitlines()) == 6  # counted by pytest itself: the cap, not one run more
    requests = Path(result.json["run_dir"]) / "requests"
    allowed = [json.loads((requests / f"step-{n}.json").read_text())["allowance"]["test_runs"] for n in (1, 2, 3)]
    assert allowed == [4, 2, 0]
    refused = {b["tool_use_id"]: str(b["content"]) for r in api.requests for m in r["body"]["messages"]
               if m["role"] == "user" for b in m["content"]
               if isinstance(b, dict) and b.get("type") == "tool_result" and b["is_error"]}
    assert len(refused) == 1 and "allowed 0 run(s)" in next(iter(refused.values()))  # lane 3's, before any run
    evidence = json.loads(Path(result.json["evidence"]).read_text())
    assert [a["lane"] for a in evidence["attempts"]] == ["lane-1", "lane-2", "lane-3"]
    assert evidence["model_usage"]["test_runs"] == 2
    assert result.json["verdict"] == "not_fixed" and "test-run budget" in result.json["stop_reason"]
    assert_nothing_left(repo)


def test_tests_that_hang_at_base_and_a_wall_time_cap_under_two_runs_end_not_fixed_naming_the_cap(tmp_path):
    """Three tests that never return, each stopped by per_test_timeout: a run takes 4.5 s and more (5.5-7 s at
    base, with the worktree and the warm server to make); the cap of 9.6 s leaves the offline engine's spectra run
    less than it needs, so the cap cuts it short, and no time for the fallback run without coverage. Before, that
    run started anyway: the model had "no more proposals", or the run crashed on the missing output of a run
    stopped before it began (exit 3)."""
    repo = make_repo(tmp_path / "repo", {
        "greenloop.toml": '[test]\ncommand = "python -m pytest -q tests"\nper_test_timeout = 1.5\n',
        "pytest.ini": PYTEST_INI,
        "count.py": "def count_up(n):\n    i = 0\n    while i != n:\n        i += 2\n    return i\n",
        "tests/test_count.py": "from count import count_up\n" + "".join(
            f"\n\ndef test_{n}():\n    assert count_up({n}) == {n}\n" for n in (1, 3, 5)),
    })
    started = time.monotonic()
    result = run_cli("run", repo, "--ticket-text", "count_up never returns for odd numbers", "--max-minutes", "0.16",
                     "--json")
    elapsed = time.monotonic() - started

    assert result.code == 1, result.stderr
    assert result.json["verdict"] == "not_fixed"
    assert "wall-time budget" in result.json["stop_reason"]
    evidence = json.loads(Path(result.json["evidence"]).read_text())
    assert evidence["budget"]["steps"] == 1  # the model's step ran, and the cap cut it short
    assert evidence["model_usage"]["test_runs"] >= 1  # its spectra run started in time, and counts
    assert evidence["budget"]["wall_seconds"] < 0.16 * 60 + 3 and elapsed < 30
    assert not (Path(result.json["run_dir"]) / "error.log").exists()
    assert_nothing_left(repo)
