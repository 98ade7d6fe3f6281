"""The evidence record and its renderings, from a hand-made final state."""

from __future__ import annotations

import json

from greenloop.loop.evidence import build_evidence, commit_message, render_markdown, write_evidence

STATE = {
    "run_id": "r1", "repo": "/repo", "base_commit": "b" * 40, "verdict": "fixed", "steps": 2, "started_at": 0,
    "ticket": {"title": "Quotes fail", "source": "t.md", "named_tests": []},
    "budget": {"max_steps": 4, "max_minutes": 30}, "spent": {"tokens": 0, "dollars": 0.0},
    "targets": ["t.py::a"],
    "base": {"outcomes": {"t.py::a": "failed", "t.py::b": "passed"}, "failing": ["t.py::a"],
             "messages": {"t.py::a": "assert 502 == 200"}},
    "attempts": {
        "attempt-1": {"id": "attempt-1", "step": 1, "source": "01.diff", "diff": "--- a/x\n", "status": "tested",
                      "outcome": "not_fixed", "failing": ["t.py::a"], "messages": {"t.py::a": "assert 502 == 200"},
                      "log_lines": ["api | KeyError: 'zone'"], "outcomes": {"t.py::a": "failed", "t.py::b": "passed"},
                      "diffstat": [["x", 1, 0]]},
        "attempt-2": {"id": "attempt-2", "step": 2, "source": "02.diff", "diff": "--- a/y\n", "status": "tested",
                      "outcome": "fixed", "tree": "t" * 40, "outcomes": {"t.py::a": "passed", "t.py::b": "passed"},
                      "regressions": [], "diffstat": [["y", 2, 1]]},
    },
    "timings": [{"node": "test", "seconds": 1.5}, {"node": "test", "seconds": 0.5}, {"node": "deploy", "seconds": 1}],
    "published": {"branch": "greenloop/quotes-fail", "commit": "c" * 40},
}


def test_record_has_targets_before_after_attempts_and_time_per_node():
    evidence = build_evidence(STATE, model="scripted:p")
    assert evidence["schema_version"] == 1 and evidence["verdict"] == "fixed"
    assert evidence["targets"] == [{"id": "t.py::a", "before": "failed", "after": "passed",
                                    "message_before": "assert 502 == 200"}]
    assert [a["outcome"] for a in evidence["attempts"]] == ["not_fixed", "fixed"]
    assert evidence["tested_tree"] == "t" * 40
    assert evidence["seconds_per_node"] == {"test": 2.0, "deploy": 1}


def test_an_error_overrides_the_verdict():
    evidence = build_evidence({**STATE, "verdict": None}, model="m", error="service 'api' never became healthy")
    assert evidence["verdict"] == "error" and evidence["tested_tree"] is None
    assert "never became healthy" in evidence["stop_reason"]


def test_markdown_and_commit_message_quote_the_log_line(tmp_path):
    evidence = build_evidence(STATE, model="scripted:p")
    markdown = render_markdown(evidence)
    assert markdown.startswith("## greenloop: fixed")
    assert "| `t.py::a` | failed | passed |" in markdown and "KeyError: 'zone'" in markdown
    assert "<details><summary>attempt-1 (01.diff): not_fixed — x +1 -0</summary>" in markdown
    message = commit_message(STATE)
    assert message.startswith("fix: Quotes fail\n") and "t.py::a: failed at base -> passed" in message
    assert "KeyError: 'zone'" in message
    write_evidence(evidence, tmp_path)
    assert json.loads((tmp_path / "evidence.json").read_text()) == evidence
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence.json", "evidence.md"]


def test_secrets_in_the_environment_are_redacted(monkeypatch):
    monkeypatch.setenv("SHOP_API_TOKEN", "tok-1234567890")
    state = {**STATE, "ticket": {**STATE["ticket"], "title": "fails with tok-1234567890 and ghp_" + "a" * 36}}
    evidence = build_evidence(state, model="m")
    assert evidence["ticket"]["title"] == "fails with [redacted] and [redacted]"


def test_a_long_title_makes_a_short_subject_cut_at_a_word():
    state = {**STATE, "ticket": {**STATE["ticket"], "title": "Fare quotes fail for any trip that starts or ends at "
                                                              "Kingsgate Cross"}}
    subject = commit_message(state).splitlines()[0]
    assert subject == "fix: Fare quotes fail for any trip that starts or ends at Kingsgate…"


def test_the_winner_of_a_side_by_side_batch_is_the_final_attempt_even_when_proposed_earlier():
    loser = {"id": "attempt-3", "step": 3, "diff": "--- a/z\n", "status": "skipped", "outcome": "skipped",
             "refusal": "another candidate of its batch passed first"}
    state = {**STATE, "current": "attempt-2", "attempts": {**STATE["attempts"], "attempt-3": loser}}

    evidence = build_evidence(state, model="m")

    assert evidence["final_attempt"] == "attempt-2" and evidence["tested_tree"] == "t" * 40
    assert [t["after"] for t in evidence["targets"]] == ["passed"]
    assert "attempt attempt-2 of 3" in commit_message(state)


def test_targets_from_a_model_written_reproduction_are_marked_and_the_headline_names_the_test():
    ours = build_evidence(STATE, model="m")
    repro = "tests/repro/test_a.py::test_a"
    state = {**STATE, "targets": [repro],
             "reproduction": {"id": "reproduction-1", "diff": "--- /dev/null\n", "tests": [repro]}}

    theirs = build_evidence(state, model="m")

    assert ours["target_written_by_model"] is False and "the model wrote" not in render_markdown(ours)
    assert theirs["verdict"] == "fixed" and theirs["target_written_by_model"] is True
    headline = render_markdown(theirs).splitlines()[0]
    assert headline.startswith("## greenloop: fixed ✅ — Quotes fail (2 step(s), ")
    assert headline.endswith("s) — the target is a test the model wrote: read tests/repro/test_a.py first")
