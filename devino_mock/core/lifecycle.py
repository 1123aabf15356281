"""The scheduler on the virtual clock and the SMS status machine (http-rest.md §7.8)."""

from __future__ import annotations

import heapq
import math
import itertools
from datetime import datetime, timedelta
from typing import Callable

from devino_mock.core.messages import (
    DELIVERED, EMAIL_DELIVERED, EMAIL_NOT_SENT, EMAIL_SENT, EXPIRED, QUEUED, SENT, Message,
)
from devino_mock.core.scenarios import Outcome

# Rejected before reaching the network: straight from the queue to the final status.
REJECTED_IN_QUEUE = frozenset({10, 11, 41, 47, 48, 69, -98})


class Scheduler:
    """Due work ordered by virtual time. Whoever reads platform state runs what is due first,
    so state is right at any clock reading without anybody sleeping."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self._heap, (when.timestamp(), next(self._seq), action))

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def run_due(self, now_ts: float) -> int:
        ran = 0
        while self._heap and self._heap[0][0] <= now_ts:
            _, _, action = heapq.heappop(self._heap)
            action()
            ran += 1
        return ran

    def clear(self) -> None:
        self._heap.clear()


def sms_plan(message: Message, outcome: Outcome) -> list[tuple[datetime, int]]:
    """The statuses a freshly accepted SMS will go through, with their times."""
    if math.isinf(outcome.submit_delay):
        return [(message.expires_at, EXPIRED)]
    submit = message.send_at + timedelta(seconds=outcome.submit_delay)
    final = outcome.final_status
    if final in REJECTED_IN_QUEUE:
        return [(min(submit, message.expires_at), final)]
    if submit >= message.expires_at:
        return [(message.expires_at, EXPIRED)]
    plan = [(submit, SENT)]
    report = submit + timedelta(seconds=outcome.delivery_delay)
    if final is None or final == EXPIRED or report >= message.expires_at:
        plan.append((message.expires_at, EXPIRED))
    else:
        plan.append((report, final))
    return plan


def email_plan(message: Message, outcome: Outcome) -> list[tuple[datetime, str]]:
    """The states a freshly accepted e-mail goes through: NotSent -> Sent -> Delivered, on the
    same default delays as SMS."""
    sent = message.send_at + timedelta(seconds=outcome.submit_delay)
    return [(sent, EMAIL_SENT), (sent + timedelta(seconds=outcome.delivery_delay), EMAIL_DELIVERED)]


def apply_status(message: Message, status: int | str, at: datetime) -> int | str:
    """Record one status step; returns the previous status."""
    previous = message.status
    message.status = status
    message.history.append((at, status))
    if status in (SENT, EMAIL_SENT):
        message.submitted_at = at
    elif status not in (QUEUED, EMAIL_NOT_SENT):
        message.reported_at = at
        if message.submitted_at is None and status in (DELIVERED, EMAIL_DELIVERED):
            message.submitted_at = at
    return previous
