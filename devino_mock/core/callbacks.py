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
from typing import Awaitable, Callable, NamedTuple

from devino_mock.core.events import CallbackAttempted
from devino_mock.core.records import DELIVERED, GAVE_UP, PENDING, Attempt, Callback

log = logging.getLogger("devino_mock.callbacks")


class Delivery(NamedTuple):
    """What one attempt came to: the HTTP status (None: no answer), why it failed, the text the
    client answered (a handler's `{sms=…}` reply) and whether it failed by not answering in time."""

    status: int | None
    error: str | None = None
    answer: str | None = None
    timed_out: bool = False


# A sender returns a Delivery (or the plain pair (status, error)).
Sender = Callable[[Callback, float], Awaitable[Delivery | tuple[int | None, str | None]]]
# Told when a callback of its kind is settled: (callback, the answer text of the delivered attempt
# or None when the platform gave up).
SettledHook = Callable[[Callback, str | None], None]


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed delivery is tried again, and when the platform stops trying."""

    delays: tuple[float, ...]  # seconds after the 1st, 2nd, … failed attempt
    then_every: float  # seconds between attempts once `delays` are used up
    give_up_after: float  # seconds after the first attempt: no attempt is made later than this
    timeout: float = 10.0  # seconds a client has to answer one attempt
    max_attempts: int | None = None
    # Seconds from the start of an attempt that got no answer within `timeout` to the next one,
    # when a spec treats silence apart from an error answer (incoming.md §4); None: as an error.
    after_timeout: float | None = None

    def next_attempt(self, first: datetime, last: datetime, attempts: int,
                     timed_out: bool = False) -> datetime | None:
        """The instant of the next attempt after `attempts` failed ones, or None: give up."""
        if self.max_attempts is not None and attempts >= self.max_attempts:
            return None
        if timed_out and self.after_timeout is not None:
            delay = self.after_timeout
        else:
            delay = self.delays[attempts - 1] if attempts - 1 < len(self.delays) else self.then_every
        when = last + timedelta(seconds=delay)
        return when if when <= first + timedelta(seconds=self.give_up_after) else None


# viber.md §4, §11.3 (24 h) and §5, §11.4 (1 h); vk.md §4 (24 h). Later channels add their kinds here.
BACKOFF = (10.0, 30.0, 60.0, 300.0)
POLICIES: dict[str, RetryPolicy] = {
    "viber_status": RetryPolicy(BACKOFF, 900.0, 24 * 3600.0),
    "viber_incoming": RetryPolicy(BACKOFF, 900.0, 3600.0),
    # incoming.md §4: no answer within 30 s -> tried again (30 s after the silent attempt began,
    # i.e. as soon as it timed out); an error answer -> again after 300 s; given up after 24 h
    # (the retry limit is not documented; the spec's suggestion).
    "sms_incoming": RetryPolicy((300.0,), 300.0, 24 * 3600.0, timeout=30.0, after_timeout=30.0),
    "vk_status": RetryPolicy(BACKOFF, 900.0, 24 * 3600.0),  # vk.md §4, §6.2: retried for 24 hours
    # e-mail events (email-http.md §7.4.7): again after 1 s, 5 s and 30 s, then dropped.
    "email": RetryPolicy((1.0, 5.0, 30.0), 30.0, 3600.0, max_attempts=4),
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
        self.on_settled: dict[str, SettledHook] = {}  # kind -> what follows a settled callback

    # --- what the platform pushes ---------------------------------------------------

    def push(self, kind: str, login: str, body: str, content_type: str,
             message_id: str | None = None, method: str = "POST", query: str = "") -> Callback | None:
        """A request to the account's URL for `kind`; None when the account has none. `query`
        (already encoded) is appended to the URL, for the pushes that carry their parameters
        there (incoming.md §4)."""
        account = self.store.account(login)
        url = account.callbacks.get(kind) if account else None
        if not url:
            return None
        if query:
            url = f"{url}{'&' if '?' in url else '?'}{query}"
        [number] = self.store.next_ids("callback", 1, 1)
        now = self.now()
        callback = Callback(id=number, kind=kind, login=login, url=url, body=body, content_type=content_type,
                            created_at=now, message_id=message_id, method=method,
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
        task = loop.create_task(self._attempt(callback, self._generation, when))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _attempt(self, callback: Callback, generation: int, due: datetime) -> None:
        policy = POLICIES[callback.kind]
        # An attempt counts at the instant it fell due: after a clock jump the retries follow
        # one another as they would have while the time passed, not from the jump's end.
        at = min(due, self.now())
        callback.next_attempt_at = None
        try:
            delivery = Delivery(*await self.sender(callback, policy.timeout))  # type: ignore[misc]
        except Exception as exc:  # a sender must not lose a callback
            delivery = Delivery(None, f"{type(exc).__name__}: {exc}")
        if generation != self._generation or self.store.callback(callback.id) is not callback:
            return  # forgotten meanwhile by a reset (a scoped one keeps the generation)
        status, error = delivery.status, delivery.error
        attempt = Attempt(at, status, error)
        callback.attempts.append(attempt)
        if status is not None and 200 <= status < 300:
            callback.state = DELIVERED
        else:
            log.info("callback %s %s to %s failed: %s", callback.id, callback.kind, callback.url,
                     error or f"HTTP {status}")
            again = policy.next_attempt(callback.attempts[0].at, at, len(callback.attempts), delivery.timed_out)
            if again is None:
                callback.state = GAVE_UP
            else:
                self._make_due(callback, again)
        self.store.save_callback(callback)
        self.emit_attempt(callback, attempt)
        if callback.state != PENDING:
            self._settled(callback, delivery.answer if callback.state == DELIVERED else None)
            self._release(callback)

    def _settled(self, callback: Callback, answer: str | None) -> None:
        hook = self.on_settled.get(callback.kind)
        if hook is None:
            return
        try:
            hook(callback, answer)
        except Exception:  # what follows a callback must not stop the queue behind it
            log.exception("after callback %s %s", callback.id, callback.kind)

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
