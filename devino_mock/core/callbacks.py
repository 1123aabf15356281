"""The outbox: everything the platform pushes to a client goes through here (DESIGN.md
"Outbound: one outbox"). The core decides *when* — first attempt at once, retries on the
virtual clock with each kind's back-off and give-up time, one message's callbacks in order —
and a sender per transport does the I/O. Callback records live in the store; the per-queue
order below is an index rebuilt from them."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Awaitable, Callable

from devino_mock.core.events import CallbackAttempted
from devino_mock.core.records import DELIVERED, GAVE_UP, PENDING, Attempt, Callback

log = logging.getLogger("devino_mock.callbacks")

Sender = Callable[[Callback, float], Awaitable[tuple[int | None, str | None]]]


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed delivery is tried again, and when the platform stops trying."""

    delays: tuple[float, ...]  # seconds after the 1st, 2nd, … failed attempt
    then_every: float  # seconds between attempts once `delays` are used up
    give_up_after: float  # seconds after the first attempt: no attempt is made later than this
    timeout: float = 10.0  # seconds a client has to answer one attempt
    max_attempts: int | None = None

    def next_attempt(self, first: datetime, last: datetime, attempts: int) -> datetime | None:
        """The instant of the next attempt after `attempts` failed ones, or None: give up."""
        if self.max_attempts is not None and attempts >= self.max_attempts:
            return None
        delay = self.delays[attempts - 1] if attempts - 1 < len(self.delays) else self.then_every
        when = last + timedelta(seconds=delay)
        return when if when <= first + timedelta(seconds=self.give_up_after) else None


# viber.md §4, §11.3 (24 h) and §5, §11.4 (1 h). Later channels add their kinds here.
BACKOFF = (10.0, 30.0, 60.0, 300.0)
POLICIES: dict[str, RetryPolicy] = {
    "viber_status": RetryPolicy(BACKOFF, 900.0, 24 * 3600.0),
    "viber_incoming": RetryPolicy(BACKOFF, 900.0, 3600.0),
}
# SMPP receipts and MO (smpp.md §4.2): sent again a minute after a refusal, five attempts at most,
# kept 72 hours for a receiver to bind.
SMPP_DELIVERY = RetryPolicy((60.0,), 60.0, 72 * 3600.0, max_attempts=5)


class Outbox:
    def __init__(self, store, now: Callable[[], datetime], scheduler, emit: Callable[[object], None]) -> None:
        self.store = store
        self.now = now
        self.scheduler = scheduler
        self.emit = emit
        self.sender: Sender | None = None
        self._queues: dict[str, deque[int]] = {}
        self._in_flight: set[asyncio.Task] = set()
        self._generation = 0

    # --- what the platform pushes ---------------------------------------------------

    def push(self, kind: str, login: str, body: str, content_type: str,
             message_id: str | None = None) -> Callback | None:
        """A request to the account's URL for `kind`; None when the account has none."""
        account = self.store.account(login)
        url = account.callbacks.get(kind) if account else None
        if not url:
            return None
        [number] = self.store.next_ids("callback", 1, 1)
        now = self.now()
        callback = Callback(id=number, kind=kind, login=login, url=url, body=body, content_type=content_type,
                            created_at=now, message_id=message_id,
                            queue=f"{kind}:{message_id}" if message_id else f"{kind}:#{number}")
        self.store.add_callback(callback)
        queue = self._queues.setdefault(callback.queue, deque())
        queue.append(callback.id)
        if len(queue) == 1:
            self._make_due(callback, now)
        return callback

    def callbacks(self) -> list[Callback]:
        return self.store.callbacks()

    # --- attempts ----------------------------------------------------------------------

    def _make_due(self, callback: Callback, when: datetime) -> None:
        callback.next_attempt_at = when
        self.store.save_callback(callback)
        if when <= self.now():
            self._fire(callback.id, when)
        else:
            self.scheduler.at(when, lambda i=callback.id, w=when: self._fire(i, w))

    def _fire(self, callback_id: int, when: datetime) -> None:
        callback = self.store.callback(callback_id)
        if callback is None or callback.state != PENDING or callback.next_attempt_at != when:
            return  # forgotten by a reset, or already rescheduled
        if self.sender is None:
            return  # no transport yet (the platform used without a server): stays pending
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self._attempt(callback, self._generation))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _attempt(self, callback: Callback, generation: int) -> None:
        policy = POLICIES[callback.kind]
        at = self.now()
        callback.next_attempt_at = None
        try:
            status, error = await self.sender(callback, policy.timeout)  # type: ignore[misc]
        except Exception as exc:  # a sender must not lose a callback
            status, error = None, f"{type(exc).__name__}: {exc}"
        if generation != self._generation:
            return
        attempt = Attempt(at, status, error)
        callback.attempts.append(attempt)
        if status is not None and 200 <= status < 300:
            callback.state = DELIVERED
        else:
            log.info("callback %s %s to %s failed: %s", callback.id, callback.kind, callback.url,
                     error or f"HTTP {status}")
            again = policy.next_attempt(callback.attempts[0].at, at, len(callback.attempts))
            if again is None:
                callback.state = GAVE_UP
            else:
                self._make_due(callback, again)
        self.store.save_callback(callback)
        self.emit_attempt(callback, attempt)
        if callback.state != PENDING:
            self._release(callback)

    def emit_attempt(self, callback: Callback, attempt: Attempt) -> None:
        self.emit(CallbackAttempted(callback, attempt))

    def _release(self, callback: Callback) -> None:
        """The head of its queue is done: the next callback of the same message may go."""
        queue = self._queues.get(callback.queue)
        if not queue:
            return
        if queue[0] == callback.id:
            queue.popleft()
        if not queue:
            del self._queues[callback.queue]
            return
        following = self.store.callback(queue[0])
        if following is not None:
            self._make_due(following, self.now())

    async def flush(self) -> None:
        """Wait until every attempt that is due now has been made (clock/advance answers after)."""
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    def reschedule(self) -> None:
        """Rebuild the queues and timers from the callbacks in the store (after a restart)."""
        self._queues.clear()
        for callback in sorted(self.store.callbacks(), key=lambda c: c.id):
            if callback.state == PENDING:
                self._queues.setdefault(callback.queue, deque()).append(callback.id)
        for queue in self._queues.values():
            head = self.store.callback(queue[0])
            if head is not None:
                self._make_due(head, head.next_attempt_at or self.now())

    def forget_missing(self) -> None:
        """Drop from the queues the callbacks the store no longer has (a scoped reset)."""
        for name, queue in list(self._queues.items()):
            kept = deque(i for i in queue if self.store.callback(i) is not None)
            if kept:
                self._queues[name] = kept
            else:
                del self._queues[name]

    def reset(self) -> None:
        self._queues.clear()
        self._generation += 1
