"""Stuck detection and duplicate proposals over attempt records shaped like the ones graph/nodes.py writes."""

from __future__ import annotations

import subprocess

import pytest

from greenloop.graph.stuck import duplicate_of, failure_signature, normalized_diff, stuck_reason
from support import git, make_repo

# The shop's pricing fix as `git diff` prints it, on a cut-down pricing/app.py; variants of it further down.
FILE = '''from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def percent_off(amount: Decimal, percent: str) -> Decimal:
    """The discount of `percent` % on `amount`, to the cent."""
    return RATES.multiply(amount, rate(percent)).quantize(CENT, context=RATES)


def vat_on(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)
'''
DIFF = '''diff --git a/pricing/app.py b/pricing/app.py
index fbc000b..bfc777c 100644
--- a/pricing/app.py
+++ b/pricing/app.py
@@ -5,7 +5,7 @@ CENT = Decimal("0.01")
 
 def percent_off(amount: Decimal, percent: str) -> Decimal:
     """The discount of `percent` % on `amount`, to the cent."""
-    return RATES.multiply(amount, rate(percent)).quantize(CENT, context=RATES)
+    return (amount * rate(percent)).quantize(CENT, rounding=ROUND_HALF_UP)
 
 
 def vat_on(amount: Decimal, rate: Decimal) -> Decimal:
'''
TARGET = "tests/test_orders.py::test_order_with_spring_coupon_on_espresso_machine"
OTHER = "tests/test_orders.py::test_place_order_is_stored_and_listed"
TARGETS = [TARGET]

PRICING_ERROR = ("pricing | 2026-11-26 01:44:27,803 ERROR pricing: quote failed on ESPRESSO-PRO x1 (coupon SPRING25): "
                 "InvalidOperation: [<class 'decimal.InvalidOperation'>]")
LOG = ["checkout | 2026-11-26 01:44:27,790 INFO checkout: listening on 127.0.0.1:41873",
       PRICING_ERROR,
       "pricing | Traceback (most recent call last):",
       'pricing |   File "pricing/app.py", line 112, in quote',
       "pricing | decimal.InvalidOperation: [<class 'decimal.InvalidOperation'>]",
       "checkout | 2026-11-26 01:44:27,811 ERROR shop: POST /orders failed: HttpError: pricing answered 500"]


def message(e_line: str) -> str:
    """A failure message as the JUnit runner stores it: pytest's headline, the source, the `E` lines, file:line."""
    return (f"{e_line}\ncatalog = <conftest.Service object at 0x7f1c2a3b4c50>\n\n"
            f"    def test_order_with_spring_coupon_on_espresso_machine(catalog, checkout):\n"
            f">       assert (status, order.get(\"error\")) == (201, None)\n"
            f"E       {e_line}\nE         \nE         At index 0 diff: 502 != 201\n\n"
            f"tests/test_orders.py:53: AssertionError")


ASSERTION = "AssertionError: assert (502, 'pricing answered 500') == (201, None)"


def attempt(step: int, *, outcome: str = "not_fixed", e_line: str = ASSERTION, log: list[str] = LOG,
            diff: str = "", **overrides) -> dict:
    """An attempt record after `test` and `read_logs` (or after `deploy`, for an untested outcome)."""
    record = {"id": f"attempt-{step}", "step": step, "source": f"0{step}-fix.diff", "rationale": "",
              "diff": diff or DIFF.replace("ROUND_HALF_UP)", f"ROUND_HALF_UP)  # proposal {step}"),
              "usage": {"input_tokens": 0, "output_tokens": 0, "dollars": 0.0}, "status": outcome,
              "outcome": outcome}
    if outcome in ("fixed", "not_fixed"):
        failing = [TARGET] if outcome == "not_fixed" else []
        record.update(status="tested", diffstat=[["pricing/app.py", 1, 1]],
                      tree="4b825dc642cb6eb9a060e54bf8d69288fbee4904",
                      endpoints={"pricing": "http://127.0.0.1:41877"}, deployed_at=1764121467.2,
                      outcomes={TARGET: "failed" if failing else "passed", OTHER: "passed"}, failing=failing,
                      regressions=[], messages={t: message(e_line) for t in failing}, log_lines=list(log))
    elif outcome == "failed_to_start":
        record.update(start_error="pricing exited with code 1", log_lines=["pricing | SyntaxError: invalid syntax"])
    else:
        record["refusal"] = "touches protected path(s): tests/test_orders.py"
    record.update(overrides)
    return record


URL_ERROR = "urllib.error.URLError: <urlopen error [Errno 111] Connection refused> http://127.0.0.1:{}/quote"
DB_ERROR = "sqlite3.OperationalError: unable to open database file: /tmp/pytest-of-root/pytest-{}/test_order0/orders.db"
ADDRESS = "AssertionError: assert <Response at 0x{}> is None"
WORKTREE = "FileNotFoundError: /repo/.greenloop/runs/20261126-014427-26e07d/worktrees/attempt-{}/orders.db"
LATER_LOG = [line.replace("01:44:27,803", "01:51:02,114").replace("x1", "x2") + "  [seen 3 times]" for line in LOG]


@pytest.mark.parametrize("earlier, later", [
    pytest.param({"e_line": URL_ERROR.format(41877)}, {"e_line": URL_ERROR.format(39211)}, id="port in a URL"),
    pytest.param({"e_line": DB_ERROR.format(12)}, {"e_line": DB_ERROR.format(13)}, id="temp path"),
    pytest.param({"e_line": ADDRESS.format("7f3e9c0d4410")}, {"e_line": ADDRESS.format("7f00aa11bb22")}, id="address"),
    pytest.param({"e_line": WORKTREE.format(2)}, {"e_line": WORKTREE.format(3)}, id="the attempt's worktree"),
    pytest.param({}, {"log": LATER_LOG}, id="log time, ids and repeat count"),
])
def test_volatile_parts_do_not_change_the_signature(earlier, later):
    assert failure_signature(attempt(3, **later), TARGETS) == failure_signature(attempt(2, **earlier), TARGETS)


@pytest.mark.parametrize("change", [
    pytest.param({"e_line": "AssertionError: assert (500, 'internal error') == (201, None)"}, id="other values"),
    pytest.param({"e_line": "KeyError: 'discount'"}, id="other assertion"),
    pytest.param({"log": [LOG[0], PRICING_ERROR.replace("InvalidOperation: [<class 'decimal.InvalidOperation'>]",
                                                        "KeyError: 'rate'")]}, id="other top log line"),
    pytest.param({"log": [LOG[0]]}, id="no error in the log"),
    pytest.param({"outcomes": {TARGET: "skipped", OTHER: "passed"}, "messages": {}}, id="target skipped"),
])
def test_a_different_failure_is_a_different_signature(change):
    assert failure_signature(attempt(3, **change), TARGETS) != failure_signature(attempt(2), TARGETS)


@pytest.mark.parametrize("outcome", ["fixed", "refused", "does_not_apply", "failed_to_start", "proposed"])
def test_only_tested_not_fixed_attempts_have_a_signature(outcome):
    assert failure_signature(attempt(1, outcome=outcome), TARGETS) is None
    assert failure_signature(attempt(1), TARGETS) is not None


def test_with_every_target_passing_the_regressions_are_the_failure():
    def regressed(step: int, e_line: str) -> dict:
        return attempt(step, outcomes={TARGET: "passed", OTHER: "failed"}, failing=[OTHER], regressions=[OTHER],
                       messages={OTHER: message(e_line)})

    same = regressed(1, "assert 'EUR' == 'USD'"), regressed(2, "assert 'EUR' == 'USD'")
    assert failure_signature(same[0], TARGETS) == failure_signature(same[1], TARGETS)
    assert OTHER in failure_signature(same[0], TARGETS)
    assert failure_signature(regressed(3, "assert 'GBP' == 'USD'"), TARGETS) != failure_signature(same[0], TARGETS)


def test_stuck_after_three_tested_proposals_skipping_a_refused_one():
    attempts = [attempt(1), attempt(2, outcome="refused"), attempt(3), attempt(4, outcome="does_not_apply"), attempt(5)]
    assert stuck_reason(attempts, TARGETS, after=3) == (
        f"stuck: 3 different proposals (attempt-1, attempt-3, attempt-5) ended with the same failure: {TARGET} — "
        f"E   {ASSERTION}; top log line: {PRICING_ERROR}")


@pytest.mark.parametrize("attempts", [
    pytest.param([attempt(1), attempt(2, outcome="refused"), attempt(3)], id="only two tested"),
    pytest.param([attempt(1), attempt(2), attempt(3, e_line="KeyError: 'discount'")], id="the last one differs"),
    pytest.param([attempt(1, e_line="KeyError: 'discount'"), attempt(2), attempt(3),
                  attempt(4, outcome="failed_to_start")], id="the first of the last three differs"),
    pytest.param([attempt(1), attempt(2), attempt(3, outcome="fixed")], id="fixed"),
    pytest.param([], id="nothing yet"),
])
def test_not_stuck(attempts):
    assert stuck_reason(attempts, TARGETS, after=3) is None


def test_stuck_evidence_without_log_lines_or_assertion_lines():
    plain = {"messages": {TARGET: "the test command exited with code 1\n1 failed in 0.53s"}, "log_lines": []}
    attempts = [attempt(1, **plain), attempt(2, **plain)]
    assert stuck_reason(attempts, TARGETS, after=2) == (
        f"stuck: 2 different proposals (attempt-1, attempt-2) ended with the same failure: {TARGET} — "
        "the test command exited with code 1")


def test_after_must_be_positive():
    with pytest.raises(ValueError):
        stuck_reason([attempt(1)], TARGETS, after=0)


ADDED_LINE = DIFF.replace("@@ -5,7 +5,7 @@", "@@ -5,7 +5,8 @@").replace(
    "+    return (amount", "+    # in the default context: RATES' four digits cannot hold 100.00\n+    return (amount")

SAME_CHANGE = {
    "other index line": DIFF.replace("index fbc000b..bfc777c 100644", "index 1234567..89abcde 100644"),
    "no index line": DIFF.replace("index fbc000b..bfc777c 100644\n", ""),
    "other heading": DIFF.replace('@@ CENT = Decimal("0.01")', "@@ def percent_off(amount: Decimal, percent: str):"),
    "no heading": DIFF.replace(' CENT = Decimal("0.01")', ""),
    "prose before, blank lines after": "Here is the fix:\n\n" + DIFF + "\n\n",
    "no final newline": DIFF.rstrip("\n"),
    "empty context lines": DIFF.replace("\n \n", "\n\n"),
}
OTHER_CHANGE = {
    "one added line": ADDED_LINE,
    "trailing space on the added line": DIFF.replace("ROUND_HALF_UP)\n \n", "ROUND_HALF_UP) \n \n"),
    "other rounding": DIFF.replace("rounding=ROUND_HALF_UP)\n \n", "rounding=ROUND_HALF_EVEN)\n \n"),
    "trailing space on a file header": DIFF.replace("--- a/pricing/app.py", "--- a/pricing/app.py  "),
}


@pytest.mark.parametrize("variant", SAME_CHANGE.values(), ids=SAME_CHANGE.keys())
def test_a_diff_making_the_same_change_is_a_duplicate(variant):
    earlier = [attempt(1, diff=ADDED_LINE), attempt(2, outcome="refused", diff=DIFF)]
    assert normalized_diff(variant) == normalized_diff(DIFF)
    assert duplicate_of(variant, earlier) == "attempt-2"


@pytest.mark.parametrize("variant", OTHER_CHANGE.values(), ids=OTHER_CHANGE.keys())
def test_a_diff_making_another_change_is_not_a_duplicate(variant):
    assert duplicate_of(variant, [attempt(1, diff=DIFF)]) is None


@pytest.mark.parametrize("diff", ["", "  \n", "I could not find the bug.\n"])
def test_a_diff_without_files_is_never_a_duplicate(diff):
    assert duplicate_of(diff, [attempt(1, diff=diff)]) is None


def test_duplicates_are_exactly_the_diffs_git_turns_into_the_same_files(tmp_path):
    """What normalisation ignores must not change what `git apply` (as deploy runs it) makes of a diff."""
    repo = make_repo(tmp_path / "repo", {"pricing/app.py": FILE})

    def tree(diff: str) -> str | None:
        patch = tmp_path / "change.diff"
        patch.write_text(diff if diff.endswith("\n") else diff + "\n")
        try:
            git(repo, "apply", "--index", "--whitespace=nowarn", str(patch))
            return git(repo, "write-tree").strip()
        except subprocess.CalledProcessError:
            return None
        finally:
            git(repo, "reset", "-q", "--hard")

    fixed = tree(DIFF)
    assert fixed is not None
    assert all(tree(variant) == fixed for variant in SAME_CHANGE.values())
    assert all(tree(variant) != fixed for variant in OTHER_CHANGE.values())
