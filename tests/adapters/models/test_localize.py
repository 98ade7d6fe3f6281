"""Localization evidence read from failure text: where each failure raised, from pytest's and Python's carets."""

from __future__ import annotations

from greenloop.adapters.models.repair.candidates import Hints, candidates
from greenloop.adapters.models.repair.localize import crash_points
from repair_support import code

PYTEST_REPORT = """\
    def percentile(values, p):
        xs = sorted(values)
        pos = len(xs) * p / 100
        lo, hi = math.floor(pos), math.ceil(pos)
>       return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
               ^^^^^^
E       IndexError: list index out of range

stats/summary.py:31: IndexError
"""
SERVICE_LOG = """\
Traceback (most recent call last):
  File "/srv/worktrees/lane-2/appconfig/loader.py", line 41, in load
    config[key] = PARSERS[key](key, value)
                  ^^^^^^^^^^^^^^^^^^^^^^^^
  File "/srv/worktrees/lane-2/appconfig/settings.py", line 12, in _to_int
    return int(value)
           ^^^^^^^^^^
ValueError: invalid literal for int() with base 10: 'http'
"""


def test_the_expression_that_raised_in_the_innermost_frame_only():
    known = {"stats/summary.py", "appconfig/settings.py", "appconfig/loader.py"}
    assert crash_points([PYTEST_REPORT, SERVICE_LOG], known) == [
        ("stats/summary.py", 31, "xs[lo]"), ("appconfig/settings.py", 12, "int(value)")]
    assert crash_points([SERVICE_LOG], {"other.py"}) == []  # not a file of this repository


def test_edits_beside_the_expression_that_raised_rank_lower():
    src = code("""
        def percentile(xs, p):
            pos = len(xs) * p / 100
            lo, hi = int(pos), int(pos) + 1
            return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
    """)
    plain = Hints(messages=["IndexError: list index out of range"])
    crashed = Hints(messages=plain.messages, crashes=[("m.py", 4, "xs[lo]")])
    suspicious = {2: 1.0, 3: 1.0, 4: 2.0}

    def score(found, operator):
        return next(c.score for c in found if c.operator == operator and c.line == 4)

    before, after = candidates("m.py", src, suspicious, plain), candidates("m.py", src, suspicious, crashed)
    assert score(after, "binop:+→-") < score(before, "binop:+→-")  # outside `xs[lo]`: cannot stop it raising
    assert score(after, "index:-1") == score(before, "index:-1")  # `xs[lo - 1]` is inside it
