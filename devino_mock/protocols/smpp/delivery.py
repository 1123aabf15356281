"""What the SMSC sends on its own: receipts and MO messages as deliver_sm (smpp.md §11, §13,
§17.2). Each account has a queue; a delivery goes to one of the account's rx/trx sessions
(round robin) when that session has room in its window, and stays the SMSC's until a
deliver_sm_resp with status 0 comes back. Unanswered within the timeout (virtual clock) or
refused, it is sent again, possibly on another session, by the outbox's retry policy for SMPP
(core/callbacks.py SMPP_DELIVERY: when to try again, how often, how long to keep it)."""

from __future__ import annotations

import itertools
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Protocol

from devino_mock.core.callbacks import SMPP_DELIVERY
from devino_mock.core.platform import Platform

log = logging.getLogger("devino_mock.smpp")

RETENTION = timedelta(seconds=SMPP_DELIVERY.give_up_after)  # a queued delivery nobody binds for is dropped
MAX_QUEUED = 10_000  # per account: the oldest go first beyond this


@dataclass
class Delivery:
    login: str
    kind: str  # "receipt" or "mo"
    params: dict  # the deliver_sm fields
    queued_at: float  # virtual timestamp
    attempts: int = 0
    id: int = field(default_factory=itertools.count(1).__next__)


class Receiver(Protocol):
    outstanding: dict[int, Delivery]

    def can_deliver(self) -> bool: ...

    def deliver(self, delivery: Delivery) -> int: ...


class Dispatcher:
    def __init__(self, platform: Platform, receivers: Callable[[str], list[Receiver]],
                 call_soon: Callable[[Callable[[], None]], object], ack_timeout: float) -> None:
        self.platform = platform
        self.receivers = receivers
        self.call_soon = call_soon
        self.ack_timeout = ack_timeout
        self._queues: dict[str, deque[Delivery]] = {}
        self._turn: dict[str, int] = {}
        self._to_pump: set[str] = set()
        self._generation = 0  # bumped by clear(): timers of dropped deliveries do nothing
        self._eras: dict[str, int] = {}  # per account, bumped by forget_login: the same for its timers

    def queued(self, login: str) -> int:
        return len(self._queues.get(login, ()))

    def enqueue(self, delivery: Delivery, front: bool = False) -> None:
        queue = self._queues.setdefault(delivery.login, deque())
        if front:
            queue.appendleft(delivery)
        else:
            queue.append(delivery)
            while len(queue) > MAX_QUEUED:
                dropped = queue.popleft()
                log.warning("SMPP queue of %s full: dropped %s %s", dropped.login, dropped.kind, dropped.id)
        self.wake(delivery.login)

    def wake(self, login: str) -> None:
        """Pump the account's queue soon: after the PDU being handled has been answered, so a
        receipt never overtakes its own submit_sm_resp."""
        if login not in self._to_pump:
            self._to_pump.add(login)
            self.call_soon(self._pump_woken)

    def _pump_woken(self) -> None:
        logins, self._to_pump = self._to_pump, set()
        for login in logins:
            self.pump(login)

    def pump(self, login: str) -> None:
        queue = self._queues.get(login)
        if not queue:
            return
        oldest = self.platform.clock.timestamp() - RETENTION.total_seconds()
        while queue and queue[0].queued_at < oldest:
            expired = queue.popleft()
            log.info("SMPP %s %s for %s expired unsent", expired.kind, expired.id, login)
        while queue:
            ready = [r for r in self.receivers(login) if r.can_deliver()]
            if not ready:
                return
            turn = self._turn.get(login, 0)
            receiver = ready[turn % len(ready)]
            self._turn[login] = turn + 1
            delivery = queue.popleft()
            try:
                sequence = receiver.deliver(delivery)
            except Exception:  # a deliver_sm that cannot be encoded must not block the queue
                log.exception("SMPP %s %s for %s dropped", delivery.kind, delivery.id, login)
                continue
            self._arm_timeout(receiver, sequence, delivery)

    def _era(self, login: str) -> tuple[int, int]:
        """Which deliveries are still wanted: a timer armed in another era finds its gone."""
        return self._generation, self._eras.get(login, 0)

    def _arm_timeout(self, receiver: Receiver, sequence: int, delivery: Delivery) -> None:
        era = self._era(delivery.login)
        when = self.platform.now() + timedelta(seconds=self.ack_timeout)

        def expire() -> None:
            if era != self._era(delivery.login) or receiver.outstanding.get(sequence) is not delivery:
                return
            del receiver.outstanding[sequence]
            log.info("SMPP %s %s: no deliver_sm_resp in %ss", delivery.kind, delivery.id, self.ack_timeout)
            self._retry(delivery, refused=False)

        self.platform.scheduler.at(when, expire)

    def acknowledged(self, receiver: Receiver, sequence: int, status: int) -> None:
        delivery = receiver.outstanding.pop(sequence, None)
        if delivery is None:
            return  # late answer to a deliver_sm already given up on, or unknown
        if status != 0:
            # The docs require status 0 (smpp.md §4.2); keep the delivery and try again later.
            log.info("SMPP %s %s refused with status 0x%02X", delivery.kind, delivery.id, status)
            self._retry(delivery, refused=True)
        self.wake(delivery.login)

    def _retry(self, delivery: Delivery, refused: bool) -> None:
        """Unanswered: at once, on any session; refused: when the policy says."""
        delivery.attempts += 1
        now = self.platform.now()
        queued = datetime.fromtimestamp(delivery.queued_at, tz=timezone.utc)
        when = SMPP_DELIVERY.next_attempt(queued, now, delivery.attempts)
        if when is None:
            log.warning("SMPP %s %s for %s dropped after %d attempts", delivery.kind, delivery.id,
                        delivery.login, delivery.attempts)
            return
        if not refused:
            self.enqueue(delivery, front=True)
            return
        era = self._era(delivery.login)

        def again() -> None:
            if era == self._era(delivery.login):
                self.enqueue(delivery, front=True)

        self.platform.scheduler.at(when, again)

    def returned(self, deliveries: list[Delivery]) -> None:
        """A session closed with these unanswered: they go back to the front of their queues."""
        for delivery in reversed(deliveries):
            self.enqueue(delivery, front=True)

    def clear(self) -> None:
        self._queues.clear()
        self._generation += 1

    def forget_login(self, login: str) -> None:
        """A scoped reset: the account's queued deliveries and those waiting to be retried go
        (its sessions' unanswered ones are the session's to drop)."""
        self._queues.pop(login, None)
        self._turn.pop(login, None)
        self._eras[login] = self._eras.get(login, 0) + 1
