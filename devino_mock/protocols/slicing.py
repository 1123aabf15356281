"""Large but legitimate work done on the event loop in slices: a handler working through
thousands of items calls `await slices.pause()` after each; it yields to the loop whenever
the current slice has run for SLICE_SECONDS, so other requests (and /_mock/health) keep
being answered within a few slices however long the whole job takes, and however loaded the
machine is (a fixed item count per slice would not be)."""

from __future__ import annotations

import asyncio
import time

from devino_mock.gcpolicy import settle

SLICE_SECONDS = 0.010
SETTLE_EVERY = 10_000  # items between two gc.freeze() of a job that keeps what it makes


class Slices:
    def __init__(self, budget: float = SLICE_SECONDS, settle_every: int | None = None) -> None:
        self.budget = budget
        self.settle_every = settle_every  # items: the job keeps what it makes (see settle)
        self._began = time.perf_counter()
        self._items = 0

    async def pause(self) -> None:
        self._items += 1
        if self.settle_every and self._items % self.settle_every == 0:
            settle()
        if time.perf_counter() - self._began >= self.budget:
            await asyncio.sleep(0)
            self._began = time.perf_counter()
