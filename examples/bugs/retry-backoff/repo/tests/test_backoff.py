import random

import pytest

from retrying.backoff import backoff_delay, full_jitter, retry, schedule


def test_exponential_growth():
    assert schedule(4) == [0.5, 1.0, 2.0, 4.0]


def test_default_cap():
    assert backoff_delay(10) == 30.0


def test_no_cap():
    assert backoff_delay(10, max_delay=None) == 512.0


def test_schedule_without_cap():
    assert schedule(3, base=1, factor=3, max_delay=None) == [1, 3, 9]


def test_negative_attempt():
    with pytest.raises(ValueError):
        backoff_delay(-1)


def test_full_jitter_is_within_bounds():
    rng = random.Random(42)
    assert all(0 <= full_jitter(2.0, rng) <= 2.0 for _ in range(50))


def test_retry_sleeps_between_attempts():
    calls, slept = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("down")
        return "ok"

    assert retry(flaky, sleep=slept.append) == "ok"
    assert slept == [0.5, 1.0]


def test_retry_gives_up():
    with pytest.raises(OSError):
        retry(lambda: (_ for _ in ()).throw(OSError("nope")), retries=2, sleep=lambda s: None)
