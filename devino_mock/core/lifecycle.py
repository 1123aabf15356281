"""The scheduler on the virtual clock, and how a message moves along its plan."""

from __future__ import annotations

import heapq
import itertools
import logging
from datetime import datetime
from typing import Callable

from devino_mock.core.channels import Step
from devino_mock.core.letgo import let_go
from devino_mock.core.records import Message

log = logging.getLogger("devino_mock.scheduler")
# Work is due at a datetime (whole microseconds), the clock reads a float that is finer: an
# instant taken from the clock and moved by N seconds can round up past the clock advanced by N.
DUE_SLACK = 1e-6


class Scheduler:
    """Due work ordered by virtual time. Whoever reads platform state runs what is due first,
    so state is right at any clock reading without anybody sleeping. The heap is only an index:
    the work itself is data in the store (message plans, callback retry times) and can be
    scheduled again from there."""

    def __init__(self) -> None:
        # (due, sequence, action, *its arguments): one object per piece of work, so that a
        # hundred thousand pending steps are not three hundred thousand objects for the GC.
        self._heap: list[tuple] = []
        self._seq = itertools.count()
        # While due work runs, the instant it was due: what it starts (a fallback stage, a
        # callback) happens at that virtual time, not at whatever the clock was advanced to.
        self.current: float | None = None

    def at(self, when: datetime, action: Callable[..., None], *args: object) -> None:
        heapq.heappush(self._heap, (when.timestamp(), next(self._seq), action, *args))

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def run_due(self, now_ts: float, limit: int | None = None) -> int:
        """Run what is due, in order (at most `limit` pieces). Not re-entered: due work that
        reads state (a fallback send validates, which ticks) finds the outer run going on, and
        that run does the rest in order, instead of recursing once per due item."""
        if self.current is not None:
            return 0
        ran = 0
        try:
            now_ts += DUE_SLACK
            while self._heap and self._heap[0][0] <= now_ts and (limit is None or ran < limit):
                entry = heapq.heappop(self._heap)
                self.current = entry[0]
                try:
                    entry[2](*entry[3:])
                except Exception:  # one broken piece of due work must not stop the rest, or the caller
                    log.exception("scheduled work failed")
                ran += 1
        finally:
            self.current = None
        return ran

    def clear(self) -> None:
        heap, self._heap = self._heap, []
        let_go(heap)  # a hundred thousand pending steps are freed a slice per turn


def apply_step(message: Message, step: Step) -> str:
    """Record one status step on the message; returns the previous status. (When it was sent
    and last reported, its status and error, follow from the history: see Message.)"""
    previous = message.status
    message.history_flat += (step.at, step.status, step.error)  # flat: see records.flat_steps
    return previous
