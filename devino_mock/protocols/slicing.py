"""Large but legitimate work done on the event loop in slices: a handler working through
thousands of items calls `await slices.pause()` after each; it yields to the loop whenever
the current slice has run for SLICE_SECONDS, so other requests (and /_mock/health) keep
being answered within a few slices however long the whole job takes, and however loaded the
machine is (a fixed item count per slice would not be)."""

from __future__ import annotations

import asyncio
import time

SLICE_SECONDS = 0.010


class Slices:
    def __init__(self, budget: float = SLICE_SECONDS) -> None:
        self.budget = budget
        self._began = time.perf_counter()

    async def pause(self) -> None:
        if time.perf_counter() - self._began >= self.budget:
            await asyncio.sleep(0)
            self._began = time.perf_counter()
