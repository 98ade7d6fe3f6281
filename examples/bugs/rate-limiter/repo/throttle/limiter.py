"""Sliding-window rate limiter: at most `limit` calls per `period` seconds for each key."""
import time
from collections import defaultdict, deque


class RateLimiter:
    def __init__(self, limit, period, clock=time.monotonic):
        if limit < 1:
            raise ValueError("limit must be at least 1")
        if period <= 0:
            raise ValueError("period must be positive")
        self.limit = limit
        self.period = period
        self._clock = clock
        self._calls = defaultdict(deque)

    def _recent(self, key, now):
        """The key's calls still inside the window ending at `now`, oldest first."""
        calls = self._calls[key]
        while calls and calls[0] <= now - self.period:
            calls.popleft()
        return calls

    def allow(self, key):
        """Record a call for `key` and return True, or return False if the key is over its limit."""
        now = self._clock()
        calls = self._recent(key, now)
        if len(calls) <= self.limit:
            calls.append(now)
            return True
        return False

    def remaining(self, key):
        """Calls `key` may still make in the current window."""
        return max(0, self.limit - len(self._recent(key, self._clock())))

    def retry_after(self, key):
        """Seconds until `key` may call again; 0.0 if it may call now."""
        now = self._clock()
        calls = self._recent(key, now)
        if len(calls) < self.limit:
            return 0.0
        return calls[0] + self.period - now

    def reset(self, key):
        self._calls.pop(key, None)
