"""Log ranking: the lines that explain a failure first, within budget."""

from __future__ import annotations

from greenloop.adapters.protocols import LogLine
from greenloop.graph.logs import decisive, rank

TRACEBACK = ["Traceback (most recent call last):", '  File "app.py", line 3, in view',
             '    return record["zone"]', "KeyError: 'zone'"]


def lines(*entries: tuple[str, str]) -> list[LogLine]:
    return [LogLine(service=s, time=i, text=t) for i, (s, t) in enumerate(entries)]


def test_traceback_and_errors_first_noise_dropped():
    log = lines(*[("api", f"INFO GET /ok/{i} 200") for i in range(50)],
                ("api", "ERROR GET /stations/KGX failed"), *[("api", t) for t in TRACEBACK],
                *[("api", f"INFO GET /more/{i} 200") for i in range(50)])
    ranked = rank(log, max_chars=2000, context=1)
    assert "api | KeyError: 'zone'" in ranked and "api | ERROR GET /stations/KGX failed" in ranked
    assert len(ranked) == 1 + 1 + len(TRACEBACK) + 1  # error, traceback, one line of context each side


def test_repeated_errors_are_kept_once_with_a_count():
    log = lines(*[("api", t) for _ in range(5) for t in TRACEBACK])
    ranked = rank(log, max_chars=2000, context=0)
    assert ranked == [f"api | {t}" for t in TRACEBACK[:-1]] + ["api | KeyError: 'zone'  [seen 5 times]"]


def test_budget_keeps_the_most_severe_and_latest():
    log = lines(("a", "WARNING disk at 80%"), ("b", "ERROR first failure " + "x" * 60),
                ("a", "ERROR second failure " + "y" * 60))
    ranked = rank(log, max_chars=100, context=0)
    assert ranked == ["a | ERROR second failure " + "y" * 60]


def test_one_event_larger_than_the_budget_keeps_its_end():
    log = lines(("api", TRACEBACK[0]), *[("api", f"  frame {i}") for i in range(100)], ("api", TRACEBACK[-1]))
    ranked = rank(log, max_chars=200, context=0)
    assert ranked[-1] == "api | KeyError: 'zone'" and sum(len(x) + 1 for x in ranked) <= 200


def test_context_stays_within_one_service():
    log = lines(("web", "INFO web line"), ("db", "ERROR db down"), ("web", "INFO web again"))
    assert rank(log, max_chars=500, context=2) == ["db | ERROR db down"]


def test_no_errors_no_lines():
    assert rank(lines(("a", "INFO all good")), max_chars=500) == []


def test_decisive_lines_are_the_error_lines_once():
    ranked = ["api | INFO GET /a 200", "api | ERROR GET /b failed: KeyError: 'zone'", "api | Traceback (most recent call last):",
              'api |   File "app.py", line 3', "api | KeyError: 'zone'", "web | WARNING slow",
              "api | KeyError: 'zone'  [seen 2 times]"]
    assert decisive(ranked) == ["api | ERROR GET /b failed: KeyError: 'zone'", "api | KeyError: 'zone'",
                                "api | KeyError: 'zone'  [seen 2 times]"]
