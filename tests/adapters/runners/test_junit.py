"""Node ids, outcomes and messages from xunit1 JUnit XML, without running pytest."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenloop.adapters.runners.junit import MESSAGE_CHARS, node_id, parse_junit, summarize


@pytest.mark.parametrize(
    ("file", "classname", "name", "expected"),
    [
        ("tests/test_x.py", "tests.test_x", "test_y[a-1]", "tests/test_x.py::test_y[a-1]"),
        ("tests/test_x.py", "tests.test_x.TestA", "test_y", "tests/test_x.py::TestA::test_y"),
        ("tests/test_x.py", "tests.test_x.TestA.TestB", "test_y", "tests/test_x.py::TestA::TestB::test_y"),
        ("test_top.py", "test_top", "test_y", "test_top.py::test_y"),
        # inherited from a base class in another module: `file` is where the function is defined
        ("tests/base.py", "tests.test_child.TestChild", "test_y", "tests/test_child.py::TestChild::test_y"),
        # collection errors
        ("tests/test_broken.py", "", "tests.test_broken", "tests/test_broken.py"),
        ("", "", "tests.test_broken", "tests/test_broken.py"),
        ("tests/test_broken.py", "", "", "tests/test_broken.py"),
        ("", "", "", "<collection>"),
    ],
)
def test_node_id(file: str, classname: str, name: str, expected: str) -> None:
    assert node_id(file, classname, name) == expected


def test_parse_merges_a_teardown_error_into_the_failed_test(tmp_path: Path) -> None:
    xml = tmp_path / "junit.xml"
    xml.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
  <testcase classname="tests.test_t" name="test_t" file="tests/test_t.py" time="0.5">
    <failure message="assert False">E   assert False</failure>
  </testcase>
  <testcase classname="tests.test_t" name="test_t" file="tests/test_t.py" time="0.25">
    <error message="failed on teardown">E   RuntimeError: teardown broke</error>
  </testcase>
  <testcase classname="" name="" file="tests/test_c.py"><error message="collection failure">boom</error></testcase>
  <testcase classname="tests.test_t" name="test_xfail" file="tests/test_t.py">
    <skipped type="pytest.xfail" message="known"/>
  </testcase>
</testsuite></testsuites>"""
    )
    results = parse_junit(xml)
    assert {i: r.outcome for i, r in results.items()} == {
        "tests/test_t.py::test_t": "failed",
        "tests/test_c.py": "error",
        "tests/test_t.py::test_xfail": "skipped",
    }
    merged = results["tests/test_t.py::test_t"]
    assert merged.duration == 0.75
    assert "assert False" in merged.message and "teardown broke" in merged.message
    assert results["tests/test_c.py"].message == "collection failure\nboom"


def test_summarize_keeps_short_messages_whole() -> None:
    assert summarize("assert 1 == 2", "def test():\n>   assert 1 == 2\nE   assert 1 == 2") == (
        "assert 1 == 2\ndef test():\n>   assert 1 == 2\nE   assert 1 == 2"
    )


def test_summarize_trims_long_tracebacks_but_keeps_assertion_lines() -> None:
    noise = "\n".join(f"    line {i} of a long traceback" for i in range(300))
    assertion = "E   assert 'expected' == 'actual'\nE     - actual\nE     + expected"
    text = f"{noise}\n{assertion}\n\ntests/test_x.py:42: AssertionError"
    message = summarize("AssertionError: " + "x" * 1000, text)
    assert len(message) <= MESSAGE_CHARS
    assert message.startswith("AssertionError: xxx")
    assert "    line 0 of a long traceback" in message
    assert assertion in message
    assert message.endswith("tests/test_x.py:42: AssertionError")
