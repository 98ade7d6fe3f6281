"""Exponential backoff delays and a small retry loop (sleep is injectable for tests)."""
import time


def backoff_delay(attempt, base=0.5, factor=2.0, max_delay=30.0):
    """Seconds to wait before retry number `attempt` (0-based). max_delay=None: no cap."""
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    delay = base * factor ** attempt
    delay = min(delay, max_delay)
    return delay


def schedule(retries, **options):
    return [backoff_delay(i, **options) for i in range(retries)]


def full_jitter(delay, rng):
    """AWS-style full jitter: uniform in [0, delay]; rng is a random.Random."""
    return rng.uniform(0, delay)


def retry(fn, retries=3, retry_on=(OSError,), sleep=time.sleep, **options):
    """Call fn until it succeeds; re-raise after `retries` failed retries."""
    for attempt in range(retries + 1):
        try:
            return fn()
        except retry_on:
            if attempt == retries:
                raise
            sleep(backoff_delay(attempt, **options))
