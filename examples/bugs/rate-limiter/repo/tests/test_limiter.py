import pytest

from throttle.limiter import RateLimiter


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def test_allows_up_to_limit_then_refuses():
    limiter = RateLimiter(3, 60, clock=FakeClock())
    assert [limiter.allow("ann") for _ in range(4)] == [True, True, True, False]


def test_window_slides():
    clock = FakeClock()
    limiter = RateLimiter(2, 10, clock=clock)
    assert limiter.allow("ann")
    clock.now = 1
    assert limiter.allow("ann")
    clock.now = 5
    assert not limiter.allow("ann")
    clock.now = 10
    assert limiter.allow("ann")


def test_keys_are_independent():
    limiter = RateLimiter(2, 60, clock=FakeClock())
    limiter.allow("ann")
    limiter.allow("ann")
    assert limiter.allow("bob")
    assert limiter.remaining("bob") == 1


def test_remaining():
    limiter = RateLimiter(3, 60, clock=FakeClock())
    assert limiter.remaining("ann") == 3
    limiter.allow("ann")
    assert limiter.remaining("ann") == 2


def test_retry_after():
    clock = FakeClock()
    limiter = RateLimiter(1, 30, clock=clock)
    assert limiter.retry_after("ann") == 0.0
    limiter.allow("ann")
    clock.now = 10
    assert limiter.retry_after("ann") == 20
    clock.now = 30
    assert limiter.retry_after("ann") == 0.0


def test_reset():
    limiter = RateLimiter(1, 60, clock=FakeClock())
    limiter.allow("ann")
    limiter.reset("ann")
    assert limiter.remaining("ann") == 1


def test_invalid_settings():
    with pytest.raises(ValueError):
        RateLimiter(0, 60)
    with pytest.raises(ValueError):
        RateLimiter(5, 0)
