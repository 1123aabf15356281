"""The platform: a thin facade that wires the store, the clock, the scheduler, the rules, the
send pipeline and the outbox, and offers the operations every protocol adapter, the control
API and the pytest plugin call. The documented validation order lives in sending.py once."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Callable

from devino_mock.core import errors, snapshot
from devino_mock.core.accounts import SESSION_LIFETIME, SESSION_RE, Account, Session, new_session_id
from devino_mock.core.callbacks import Outbox
from devino_mock.core.channels import CHANNELS, SMS, Step
from devino_mock.core.clock import Clock
from devino_mock.core.events import (Event, IncomingReceived, MessageAccepted, RecipientAction, StatusChanged,
                                        SubmissionRecorded)
from devino_mock.core.lifecycle import Scheduler, apply_step
from devino_mock.core.numbers import longest_prefix, normalize
from devino_mock.core.records import ACCEPTED, REJECTED, Incoming, Message, Submission
from devino_mock.core.scenarios import Rule, Scenarios
from devino_mock.core.sending import MAX_BULK, SendPipeline, SendRequest
from devino_mock.core.services.imsi import ImsiService
from devino_mock.core.services.replies import Replies
from devino_mock.core.services.twofa import TwofaService
from devino_mock.core.services.addressbook import AddressBook
from devino_mock.core.services.campaigns import Campaigns
from devino_mock.core.store import MemoryStore, Store
from devino_mock.core.store.base import FLUSH_DEFERRED

STATE_RETENTION = timedelta(hours=48)
INCOMING_ID_START = 539_187_174

SmsRequest = SendRequest  # the SMS adapters' name for it: channel "sms" is the default


# Who is asking: a REST session id, a login and password, or an account already bound
# (an SMPP session, an authenticated SMTP session).
@dataclass(frozen=True)
class BySession:
    session_id: str | None


@dataclass(frozen=True)
class ByLogin:
    login: str | None
    password: str | None


@dataclass(frozen=True)
class ByAccount:
    login: str


Credentials = BySession | ByLogin | ByAccount


@dataclass
class EmailRequest:
    """One transactional e-mail: sender and recipient addresses, subject and body text."""

    source: str | None
    destination: str | None
    subject: str
    text: str
    transport: str
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Fixtures:
    accounts: list[Account]
    rules: list[Rule]
    timezones: dict[str, float]  # number prefix -> UTC offset in hours


STAT_GROUPS = {
    "Sent": {"sent"},
    "Delivered": {"delivered"},
    "Errors": {"unknown"},
    "InProcess": {"queued"},
    "Expired": {"expired"},
    "Rejected": {"invalid_source", "invalid_destination", "destination_not_allowed", "rejected_by_smsc",
                 "deleted", "rejected_by_platform", "rejected", "stopped"},
}


class Platform:
    def __init__(self, fixtures: Fixtures, clock: Clock | None = None, store: Store | None = None) -> None:
        self.store = store or MemoryStore()
        self.clock = clock or Clock(self.store)
        self.scheduler = Scheduler()
        self._step_bound = self._step  # one bound method for every scheduled step, not one each
        self.fixtures = fixtures
        self.scenarios = Scenarios(fixtures.rules, self.store)
        self._listeners: list[tuple[Callable[[Event], None], tuple[type, ...], tuple[str, ...] | None]] = []
        self._routes: dict[tuple, tuple[Callable[[Event], None], ...]] = {}  # (event type, channel) -> listeners
        self.outbox = Outbox(self.store, self.now, self.scheduler, self._emit)
        self.pipeline = SendPipeline(self)
        # The services beyond sending (core/services/): they listen to events and send through
        # the same pipeline. Their state is in the store.
        self.imsi = ImsiService(self)
        self.twofa = TwofaService(self)
        self.replies = Replies(self)
        # The services: wire-neutral, their records in the same store.
        self.addressbook = AddressBook(self)
        self.campaigns = Campaigns(self, self.addressbook)
        if not self.store.accounts():
            self._restore_accounts()
        else:
            self.reschedule()

    # --- time and events -------------------------------------------------------------

    def now(self) -> datetime:
        """The virtual time; inside due work, the instant that work was due."""
        current = self.scheduler.current
        return self.clock.now() if current is None else datetime.fromtimestamp(current, tz=timezone.utc)

    def tick(self, limit: int | None = None) -> int:
        """Run every status step, schedule, expiry and callback that is due on the virtual clock
        (at most `limit` of them: the background ticker's share of one turn of the loop)."""
        return self.scheduler.run_due(self.clock.timestamp(), limit)

    def advance(self, seconds: float) -> datetime:
        self.clock.advance(seconds)
        self.tick()
        return self.now()

    def set_time(self, when: datetime) -> datetime:
        """Move the clock forward to `when`, running what falls due; ValueError for the past."""
        return self.advance(self.clock.seconds_until(when))

    def freeze(self) -> datetime:
        self.tick()
        self.clock.freeze()
        return self.now()

    def unfreeze(self) -> datetime:
        self.clock.unfreeze()
        return self.now()

    def subscribe(self, listener: Callable[[Event], None], *kinds: type,
                  channels: tuple[str, ...] | None = None) -> Callable[[], None]:
        """Call `listener` with every event of `kinds` (of every kind when none is named) about
        `channels` (about any channel, or none, when not given). Returns what unsubscribes it."""
        entry = (listener, kinds, channels)
        self._listeners.append(entry)
        self._routes.clear()

        def unsubscribe() -> None:
            self._listeners.remove(entry)
            self._routes.clear()
        return unsubscribe

    def _emit(self, event: Event) -> None:
        # Who hears an event of this type and channel, worked out once: a message's life is
        # several events, and most listeners care for one or two kinds of one channel.
        route = (type(event), event.channel)
        listeners = self._routes.get(route)
        if listeners is None:
            listeners = self._routes[route] = tuple(
                listener for listener, kinds, channels in self._listeners
                if (not kinds or isinstance(event, kinds)) and (channels is None or event.channel in channels))
        for listener in listeners:
            listener(event)

    def emit_accepted(self, message: Message) -> None:
        self._emit(MessageAccepted(message))

    def reset(self) -> None:
        self.store.clear()
        self.scheduler.clear()
        self.outbox.reset()
        self.scenarios.reindex()
        self.clock.reset()
        self._restore_accounts()

    def reset_account(self, login: str) -> None:
        """Forget what belongs to one account (its messages, sessions, incoming messages,
        submissions, callbacks, rules naming it, and every keyed record of the services and
        surfaces that names it: contacts, campaigns, 2FA codes, per-surface options, …) and
        restore it if a fixture defines it; the clock and the other accounts stay
        (mock-interface.md §13). Work it had due on the clock finds its records gone and does
        nothing; what the surfaces hold outside the store goes by their login reset hooks."""
        self.store.forget_login(login)
        for rule in self.store.rules():
            if rule.get("login") == login:
                self.store.delete_rule(rule["id"])
        self.scenarios.reindex()
        self.outbox.forget_missing()
        for account in self.fixtures.accounts:
            if account.login == login:
                self.store.save_account(copy.deepcopy(account))

    def export(self) -> dict:
        """The whole state as one JSON-ready document."""
        self.tick()
        return snapshot.export(self.store, self.now())

    def load(self, document: object) -> None:
        """Replace the whole state with a snapshot's; ValueError (and nothing changed) when the
        document is not a valid one."""
        state = snapshot.read(document)
        self.store.clear()
        self.scheduler.clear()
        self.outbox.reset()
        for account in state.accounts:
            self.store.save_account(account)
        for rule in reversed(state.rules):  # the store keeps them newest first
            self.store.add_rule(rule)
        for key, value in state.values.items():
            self.store.set_value(key, value)
        for name, number in state.sequences.items():
            self.store.raise_sequence(name, number)
        for message in state.messages:
            self.store.add_message(message)
        for incoming in state.incoming:
            self.store.add_incoming(incoming)
        for submission in state.submissions:
            self.store.add_submission(submission)
        for callback in state.callbacks:
            self.store.add_callback(callback)
        for session in state.sessions:
            self.store.save_session(session)
        for kind, records in state.records.items():
            for key, record in records.items():
                self.store.put(kind, key, record)
        self.clock.reload()
        self.scenarios.reindex()
        self.reschedule()

    def reschedule(self) -> None:
        """Schedule again every planned step and pending callback found in the store, and the
        services' pending work (contact imports, campaign batches, IMSI lookups)."""
        for message in self.store.messages():
            self._schedule_next(message)  # the plan is as stored: nothing to write back
        self.outbox.reschedule()
        self.addressbook.reschedule()
        self.campaigns.reschedule()
        self.imsi.reschedule()

    # --- accounts and sessions -------------------------------------------------------

    def _restore_accounts(self) -> None:
        for account in self.fixtures.accounts:
            self.store.save_account(copy.deepcopy(account))

    def upsert_account(self, account: Account) -> Account:
        self.store.save_account(account)
        return account

    def accounts(self) -> list[Account]:
        return self.store.accounts()

    def account(self, login: str) -> Account | None:
        return self.store.account(login)

    def authenticate(self, login: str | None, password: str | None) -> Account:
        if not login:
            raise errors.MissingArgument("login")
        if password is None or password == "":
            raise errors.MissingArgument("password")
        account = self.store.account(login)
        if account is None or account.password != password:
            raise errors.InvalidCredentials()
        return account

    def open_session(self, login: str | None, password: str | None) -> str:
        account = self.authenticate(login, password)
        session_id = new_session_id()
        self.store.save_session(Session(session_id, account.login, self.now() + SESSION_LIFETIME))
        return session_id

    def resolve(self, credentials: Credentials) -> Account:
        if isinstance(credentials, ByLogin):
            account = self.authenticate(credentials.login, credentials.password)
        elif isinstance(credentials, BySession):
            session_id = (credentials.session_id or "").strip()
            if not session_id:
                raise errors.MissingArgument("session")
            if not SESSION_RE.match(session_id):
                raise errors.MalformedSession()
            session = self.store.session(session_id.upper())
            if session is None or session.expires_at <= self.now():
                raise errors.SessionExpired()
            account = self.store.account(session.login)
            if account is None:
                raise errors.SessionExpired()
        else:
            account = self.store.account(credentials.login)
            if account is None:
                raise errors.InvalidCredentials()
        if not account.enabled:
            raise errors.Forbidden("account disabled")
        return account

    def balance(self, credentials: Credentials) -> Decimal:
        return self.resolve(credentials).balance

    # --- sending ---------------------------------------------------------------------

    def utc_offset(self, number: str) -> timedelta:
        hours = longest_prefix(number, self.fixtures.timezones, 0)
        return timedelta(hours=float(hours))  # type: ignore[arg-type]

    def reserve_ids(self, count: int) -> list[str]:
        """Consecutive segment ids for a message still arriving in parts: a protocol answers
        each part with its id now and passes them to send (SendRequest.ids) when complete."""
        return [str(i) for i in self.store.next_ids("segment", count, 579_700_000_000_000_001)]

    def check(self, credentials: Credentials, request: SendRequest) -> None:
        """Validate a send exactly as send does, charging and storing nothing."""
        self.pipeline.check(credentials, request)

    def send(self, credentials: Credentials, request: SendRequest) -> list[Message]:
        """Validate in the documented order, charge, store, plan. All or nothing; durable once
        this returns (the store is flushed before any front end answers)."""
        messages = self.pipeline.send(credentials, request)
        # A fallback sent by due work is flushed with that work; an HTTP request's send with
        # the group its answer waits for.
        if self.scheduler.current is None and not FLUSH_DEFERRED.get():
            self.store.flush()
        return messages


    def send_email(self, credentials: Credentials, request: EmailRequest) -> Message:
        """One transactional e-mail into the journal (channel "email"): NotSent -> Sent ->
        Delivered on the clock; only a rule's `reject` steers it here."""
        [message] = self.send(credentials, SendRequest(
            source=request.source, destinations=[request.destination or ""], text=request.text,
            transport=request.transport, channel="email", extra=request.extra, subject=request.subject))
        return message

    def plan(self, message: Message, plan) -> None:
        """Give a message the statuses it will go through; a new plan replaces the old one.
        Only the next step is on the scheduler: each step schedules the one after it."""
        message.planned = tuple(plan)
        self.store.save_message(message)
        self._schedule_next(message)

    def _schedule_next(self, message: Message) -> None:
        if message.planned_flat:
            # The plan itself goes with the step: a message planned anew has another plan
            # (a new tuple), and the step scheduled for the old one is then ignored.
            self.scheduler.at(message.planned_flat[0], self._step_bound, message, message.planned_flat)

    def _step(self, message: Message, plan: tuple) -> None:
        if message.planned_flat is not plan or self.store.message(message.id) is not message:
            return  # replanned, or dropped from the journal meanwhile
        step = message.take_planned()
        previous = apply_step(message, step)
        self.store.save_message(message)
        self._schedule_next(message)
        self._emit(StatusChanged(message, previous, step.status, step.at, step.error))
        self._start_fallback(message)

    def _start_fallback(self, message: Message) -> None:
        """A failed stage of a chain hands over to the next (viber.md §11.2, vk.md §6.1): the
        fallback is sent through the same pipeline, for the same account, to the stage's own
        recipient (`destination`) or this message's. A stage the platform refuses is skipped:
        its kind is kept in `fallback_error` and the stage after it is sent instead."""
        spec = message.extra.get("fallback")
        if not spec or message.fallback or message.status not in CHANNELS[message.channel].fallback_on:
            return
        while spec:
            request = SendRequest(
                source=spec.get("source"), destinations=[spec.get("destination") or message.destination],
                text=spec.get("text"), transport=spec.get("transport", f"{message.channel}_fallback"),
                channel=spec.get("channel", "sms"), validity_seconds=spec.get("validity_seconds"),
                fallback=spec.get("fallback"), parent=message.id, extra=dict(spec.get("extra") or {}),
            )
            try:
                [stage] = self.send(ByAccount(message.login), request)
            except errors.PlatformError as exc:
                if "fallback_error" not in message.extra:
                    message.extra = {**message.extra, "fallback_error": exc.kind}
                spec = spec.get("fallback")
            else:
                message.fallback = stage.id
                break
        self.store.save_message(message)

    def set_status(self, message_id: str, status: str, after_seconds: float = 0.0, error: str | None = None) -> Message:
        """Steer a message: it takes `status` now (or after a delay) and its plan is dropped."""
        self.tick()
        message = self.store.message(message_id)
        if message is None:
            raise KeyError(message_id)
        when = self.now() + timedelta(seconds=after_seconds)
        self.plan(message, [Step(when, status, error)])
        self.tick()
        return message

    def recipient_action(self, message_id: str, action: str, details: dict | None = None) -> Message:
        """A recipient did something with a message that is not a status (unsubscribed,
        complained): recorded in its history's extra and told to the listeners."""
        self.tick()
        message = self.store.message(message_id)
        if message is None:
            raise KeyError(message_id)
        at = self.now()
        message.extra.setdefault("actions", []).append({"action": action, "at": at.isoformat(), **(details or {})})
        self.store.save_message(message)
        self._emit(RecipientAction(message, action, at, dict(details or {})))
        return message

    # --- reading ---------------------------------------------------------------------

    def find(self, credentials: Credentials, message_id: str | None, channel: str,
             retention: timedelta = STATE_RETENTION) -> tuple[Message | None, int]:
        """The account's message of `channel` behind an id and the segment it names, or (None, -1)
        when unknown to this account or older than `retention`."""
        if not message_id or not message_id.strip():
            raise errors.MissingArgument("message_id")
        account = self.resolve(credentials)
        self.tick()
        message_id = message_id.strip()
        message = self.store.message(message_id)
        if message is None or message.login != account.login or message.channel != channel:
            return None, -1
        if message.created_at + retention <= self.now():
            return None, -1
        return message, message.ids.index(message_id)

    def sms_status(self, credentials: Credentials, message_id: str | None) -> tuple[Message | None, int]:
        """An SMS and its segment index, or (None, -1) (the documented State 255)."""
        return self.find(credentials, message_id, "sms")

    def messages(self, **filters: str) -> list[Message]:
        self.tick()
        wanted = {k: v for k, v in filters.items() if v not in (None, "")}
        return [m for m in self.store.messages() if all(_matches(m, k, v) for k, v in wanted.items())]

    def message(self, message_id: str) -> Message | None:
        self.tick()
        return self.store.message(message_id)

    def statistics(self, credentials: Credentials, start: datetime, end: datetime) -> dict[str, int | float]:
        account = self.resolve(credentials)
        self.tick()
        counts = {name: 0 for name in STAT_GROUPS}
        for message in self.store.messages():
            if message.login != account.login or message.channel != "sms" or not start <= message.created_at <= end:
                continue
            for name, group in STAT_GROUPS.items():
                if message.status in group:
                    counts[name] += message.segments
        total = sum(counts.values())
        return {**counts, "Total": total, "TotalWithErrors": total,
                "DeliveryRatio": round(counts["Delivered"] / total, 4) if total else 0}

    # --- submissions ------------------------------------------------------------------

    def record_submission(
        self, transport: str, service: str, details: dict, *, login: str | None = None,
        messages: list[Message] | None = None, error: errors.PlatformError | str | None = None,
        reason: str | None = None,
    ) -> Submission:
        """Record what came in by mail or file and what became of it (accepted when no error)."""
        kind = error.kind if isinstance(error, errors.PlatformError) else error
        [number] = self.store.next_ids("submission", 1, 1)
        submission = Submission(
            id=number, transport=transport, service=service, received_at=self.now(),
            outcome=REJECTED if kind else ACCEPTED, login=login, error=kind, reason=reason,
            message_ids=[m.id for m in messages or []], details=details,
        )
        self.store.add_submission(submission)
        self._emit(SubmissionRecorded(submission))
        return submission

    def submissions(self, **filters: str) -> list[Submission]:
        wanted = {k: v for k, v in filters.items() if v not in (None, "")}
        return [s for s in self.store.submissions()
                if all(str(getattr(s, k, None)) == v for k, v in wanted.items())]

    # --- incoming --------------------------------------------------------------------

    def receive_incoming(self, login: str, source: str, destination: str, text: str, channel: str = "sms",
                         parent_id: str | None = None) -> Incoming:
        account = self.store.account(login)
        if account is None:
            raise errors.InvalidCredentials(f"no account {login!r}")
        [number] = self.store.next_ids("incoming", 1, INCOMING_ID_START)
        incoming = Incoming(
            id=number, channel=channel, login=login, source=normalize(source) or source,
            destination=normalize(destination) or destination, text=text, created_at=self.now(),
            parent_id=parent_id,
        )
        self.store.add_incoming(incoming)
        self._emit(IncomingReceived(incoming))
        return incoming

    def reply(self, parent_id: str, text: str) -> Incoming:
        """A subscriber answers an outgoing message (a Viber reply): the incoming message comes
        from its recipient to its sender, for its account."""
        self.tick()
        parent = self.store.message(parent_id)
        if parent is None:
            raise KeyError(parent_id)
        return self.receive_incoming(parent.login, parent.destination, parent.source, text,
                                     channel=parent.channel, parent_id=parent.id)

    def incoming_messages(self) -> list[Incoming]:
        """Every incoming message of every account, oldest first (the control API's list)."""
        return self.store.incoming()

    def incoming(self, credentials: Credentials, since: datetime, until: datetime) -> list[Incoming]:
        account = self.resolve(credentials)
        return [m for m in self.store.incoming()
                if m.login == account.login and m.channel == "sms" and since <= m.created_at <= until]


def _matches(message: Message, key: str, value: str) -> bool:
    if key == "status":
        try:
            return message.status == CHANNELS[message.channel].parse_status(value)
        except ValueError:
            return False
    if key == "id":
        return value in message.ids
    if key == "destination":
        return message.destination == (normalize(value) or value)
    return str(getattr(message, key, None)) == value


__all__ = ["ByAccount", "ByLogin", "BySession", "Credentials", "EmailRequest", "Fixtures", "MAX_BULK",
           "Platform", "SMS", "SendRequest", "SmsRequest"]
