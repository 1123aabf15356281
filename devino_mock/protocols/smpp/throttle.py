"""ESME_RTHROTTLED: a token bucket per session on the platform clock, so a test can refill it
by advancing the clock instead of sleeping."""

from __future__ import annotations

from devino_mock.core.clock import Clock


class TokenBucket:
    def __init__(self, rate: float, clock: Clock) -> None:
        self.rate = rate  # requests per second; 0 or less: unlimited
        self.capacity = max(1.0, rate)
        self.clock = clock
        self._tokens = self.capacity
        self._stamp = clock.timestamp()

    def take(self) -> bool:
        if self.rate <= 0:
            return True
        now = self.clock.timestamp()
        # max(): the clock goes back to real time on POST /_mock/reset.
        self._tokens = min(self.capacity, self._tokens + max(0.0, now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False
