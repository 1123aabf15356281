"""The platform's operations. Every protocol adapter, the control API and the pytest plugin
call these; the documented validation order of a send lives here once."""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Callable

from devino_mock.core import errors
from devino_mock.core.accounts import SESSION_LIFETIME, SESSION_RE, Account, Session, new_session_id
from devino_mock.core.clock import Clock
from devino_mock.core.events import Event, IncomingReceived, MessageAccepted, StatusChanged
from devino_mock.core.addresses import normalize_email
from devino_mock.core.lifecycle import Scheduler, apply_status, email_plan, sms_plan
from devino_mock.core.messages import EMAIL_NOT_SENT, IdSequence, Incoming, Message
from devino_mock.core.numbers import longest_prefix, normalize
from devino_mock.core.scenarios import DELIVERED as DEFAULT_OUTCOME, Rule, Scenarios
from devino_mock.core.store import MemoryStore
from devino_mock.core.submissions import ACCEPTED, REJECTED, Submission
from devino_mock.core.text import Segmentation, segment

MAX_TEXT = 2000
MAX_BULK = 2999
DEFAULT_VALIDITY_MINUTES = 2880
MAX_SCHEDULE_AHEAD = timedelta(days=365)
STATE_RETENTION = timedelta(hours=48)


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
class SmsRequest:
    source: str | None
    destinations: list[str]
    text: str | None
    transport: str
    send_at: datetime | None = None  # naive: wall clock, UTC or the recipient's (by_timezone)
    by_timezone: bool = False
    validity_minutes: int | None = None
    max_recipients: int = MAX_BULK
    extra: dict = field(default_factory=dict)
    # Caller-given segmentation (a message that arrived in parts, e.g. SMPP UDH/SAR) and the
    # ids reserved for those parts with reserve_ids(); both only for a single destination.
    parts: tuple[str, ...] | None = None
    ids: list[str] | None = None


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
    "Sent": {-1},
    "Delivered": {0},
    "Errors": {99},
    "InProcess": {-2},
    "Expired": {46},
    "Rejected": {10, 11, 41, 42, 47, 48, 69, -98},
}


class Platform:
    def __init__(self, fixtures: Fixtures, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.store = MemoryStore()
        self.scheduler = Scheduler()
        self.fixtures = fixtures
        self.scenarios = Scenarios(fixtures.rules)
        self._ids = IdSequence()
        self._incoming_ids = itertools.count(539_187_174)
        self._submission_ids = itertools.count(1)
        self._listeners: list[Callable[[Event], None]] = []
        self._restore_accounts()

    # --- time and events -------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def tick(self) -> int:
        """Run every status step, schedule and expiry that is due on the virtual clock."""
        return self.scheduler.run_due(self.clock.timestamp())

    def advance(self, seconds: float) -> datetime:
        self.clock.advance(seconds)
        self.tick()
        return self.now()

    def subscribe(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, event: Event) -> None:
        for listener in list(self._listeners):
            listener(event)

    def reset(self) -> None:
        self.store.clear()
        self.scheduler.clear()
        self.scenarios.clear_runtime()
        self.clock.reset()
        self._restore_accounts()

    # --- accounts and sessions -------------------------------------------------------

    def _restore_accounts(self) -> None:
        for account in self.fixtures.accounts:
            self.store.accounts[account.login] = copy.deepcopy(account)

    def upsert_account(self, account: Account) -> Account:
        self.store.accounts[account.login] = account
        return account

    def accounts(self) -> list[Account]:
        return list(self.store.accounts.values())

    def account(self, login: str) -> Account | None:
        return self.store.accounts.get(login)

    def authenticate(self, login: str | None, password: str | None) -> Account:
        if not login:
            raise errors.MissingArgument("login")
        if password is None or password == "":
            raise errors.MissingArgument("password")
        account = self.store.accounts.get(login)
        if account is None or account.password != password:
            raise errors.InvalidCredentials()
        return account

    def open_session(self, login: str | None, password: str | None) -> str:
        account = self.authenticate(login, password)
        session_id = new_session_id()
        self.store.sessions[session_id] = Session(session_id, account.login, self.now() + SESSION_LIFETIME)
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
            session = self.store.sessions.get(session_id.upper())
            if session is None or session.expires_at <= self.now():
                raise errors.SessionExpired()
            account = self.store.accounts.get(session.login)
            if account is None:
                raise errors.SessionExpired()
        else:
            account = self.store.accounts.get(credentials.login)
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
        each part with its id now and passes them to send_sms (SmsRequest.ids) when complete."""
        return self._ids.take(count)

    def check_sms(self, credentials: Credentials, request: SmsRequest) -> None:
        """Validate a send exactly as send_sms does, charging and storing nothing."""
        self._validate_sms(credentials, request)

    def _validate_sms(self, credentials: Credentials, request: SmsRequest):
        """The documented validation order (http-rest.md §1.12)."""
        if not request.destinations or not any(d and d.strip() for d in request.destinations):
            raise errors.MissingArgument("destination")
        if not request.text:
            raise errors.MissingArgument("text")
        if not request.source or not request.source.strip():
            raise errors.MissingArgument("source")
        account = self.resolve(credentials)
        self.tick()
        source = request.source.strip()
        channel = "sms"
        numbers = [normalize(d) for d in request.destinations]
        outcomes = [
            self.scenarios.outcome(channel=channel, login=account.login, source=source, destination=n)
            if n else None
            for n in numbers
        ]
        rejects = {o.reject for o in outcomes if o and o.reject}
        if "forbidden" in rejects:
            raise errors.Forbidden("rule")
        parts = _segmentation(request)
        if request.ids is not None and (len(request.ids) != parts.count or len(numbers) != 1):
            raise ValueError("reserved ids need one destination and one id per part")
        cost = sum((account.price_for(n) * parts.count for n in numbers), Decimal(0))
        if cost > account.balance or "insufficient_funds" in rejects:
            raise errors.InsufficientFunds()
        for raw, number in zip(request.destinations, numbers):
            if number is None:
                raise errors.InvalidDestination(raw)
        if "invalid_destination" in rejects:
            raise errors.InvalidDestination(next(n for n, o in zip(numbers, outcomes) if o.reject == "invalid_destination"))
        if len(numbers) > request.max_recipients:
            raise errors.TooManyRecipients(str(len(numbers)))
        if not account.sender_allowed(source) or "invalid_source" in rejects:
            raise errors.InvalidSource(source)
        if len(request.text) > MAX_TEXT or "invalid_message_length" in rejects:
            raise errors.InvalidMessageLength(str(len(request.text)))
        if request.send_at is not None and request.send_at.replace(tzinfo=None) > (self.now() + MAX_SCHEDULE_AHEAD).replace(tzinfo=None):
            raise errors.InvalidArgument("send_at", "send date more than a year ahead")
        for kind in ("invalid_argument", "gateway_error", "internal_error", "quota_exceeded"):
            if kind in rejects:
                raise errors.REJECTIONS[kind]("rule")
        return account, numbers, outcomes, parts, cost

    def send_sms(self, credentials: Credentials, request: SmsRequest) -> list[Message]:
        """Validate in the documented order (http-rest.md §1.12), charge, store, schedule.
        All or nothing: a failed request stores and charges nothing."""
        account, numbers, outcomes, parts, cost = self._validate_sms(credentials, request)
        source = request.source.strip()
        channel = "sms"
        account.balance -= cost
        now = self.now()
        # Absent, 0 or negative: the default; longer than the default: capped to it, the
        # longest an SMSC keeps a message (not documented; keeps every date in range).
        validity = request.validity_minutes if request.validity_minutes and request.validity_minutes > 0 else DEFAULT_VALIDITY_MINUTES
        validity = min(validity, DEFAULT_VALIDITY_MINUTES)
        accepted = []
        for number, outcome in zip(numbers, outcomes):
            send_at = self._send_instant(request, number, now)
            message = Message(
                ids=list(request.ids) if request.ids else self._ids.take(parts.count),
                channel=channel,
                transport=request.transport,
                login=account.login,
                source=source,
                destination=number,
                text=request.text,
                parts=parts.parts,
                encoding=parts.encoding,
                price=account.price_for(number),
                created_at=now,
                send_at=send_at,
                expires_at=send_at + timedelta(minutes=validity),
                extra=dict(request.extra),
            )
            message.history.append((now, message.status))
            self.store.add_message(message)
            self._plan(message, sms_plan(message, outcome))
            accepted.append(message)
            self._emit(MessageAccepted(message))
        self.tick()
        return accepted

    def send_email(self, credentials: Credentials, request: EmailRequest) -> Message:
        """Accept one transactional e-mail into the journal (channel "email"): credentials, then
        recipient, then the account's confirmed sender addresses, then rejecting rules (only a
        rule's `reject` applies to e-mail). It goes NotSent -> Sent -> Delivered on the clock.
        Not charged: no e-mail tariff is documented."""
        account = self.resolve(credentials)
        self.tick()
        destination = normalize_email(request.destination)
        if destination is None:
            raise errors.InvalidDestination(request.destination or "")
        source = normalize_email(request.source)
        if source is None or not account.email_sender_allowed(source):
            raise errors.InvalidSource(request.source or "")
        reject = self.scenarios.outcome(channel="email", login=account.login, source=source, destination=destination).reject
        if reject:
            raise errors.REJECTIONS[reject]({"invalid_destination": destination, "invalid_source": source}.get(reject, "rule"))
        now = self.now()
        message = Message(
            ids=self._ids.take(1),
            channel="email",
            transport=request.transport,
            login=account.login,
            source=source,
            destination=destination,
            text=request.text,
            parts=(),  # no SMS segments
            encoding="utf-8",
            price=Decimal(0),
            created_at=now,
            send_at=now,
            expires_at=now + timedelta(minutes=DEFAULT_VALIDITY_MINUTES),
            status=EMAIL_NOT_SENT,
            extra=dict(request.extra),
            subject=request.subject,
        )
        message.history.append((now, message.status))
        self.store.add_message(message)
        self._plan(message, email_plan(message, DEFAULT_OUTCOME))
        self._emit(MessageAccepted(message))
        self.tick()
        return message

    def _send_instant(self, request: SmsRequest, number: str, now: datetime) -> datetime:
        when = request.send_at
        if when is None:
            return now
        if when.tzinfo is None:
            offset = self.utc_offset(number) if request.by_timezone else timedelta(0)
            when = when.replace(tzinfo=timezone.utc) - offset
        return max(when, now)

    def _plan(self, message: Message, plan: list[tuple[datetime, int]]) -> None:
        message.version += 1
        message.planned = list(plan)
        version = message.version
        for when, status in plan:
            self.scheduler.at(when, lambda m=message, s=status, t=when: self._step(m, version, t, s))

    def _step(self, message: Message, version: int, at: datetime, status: int) -> None:
        if message.version != version:
            return
        if message.planned and message.planned[0] == (at, status):
            message.planned.pop(0)
        previous = apply_status(message, status, at)
        self._emit(StatusChanged(message, previous, status, at))

    def set_status(self, segment_id: str, status: int, after_seconds: float = 0.0) -> Message:
        """Steer a message: it takes `status` now (or after a delay) and its plan is dropped."""
        self.tick()
        message = self.store.message(segment_id)
        if message is None:
            raise KeyError(segment_id)
        when = self.now() + timedelta(seconds=after_seconds)
        self._plan(message, [(when, status)])
        self.tick()
        return message

    # --- reading ---------------------------------------------------------------------

    def sms_status(self, credentials: Credentials, message_id: str | None) -> tuple[Message | None, int]:
        """The message and segment index behind an id, or (None, -1) when unknown to this
        account or older than 48 hours (the documented State 255)."""
        if not message_id or not message_id.strip():
            raise errors.MissingArgument("message_id")
        account = self.resolve(credentials)
        self.tick()
        message = self.store.message(message_id.strip())
        if message is None or message.login != account.login or message.channel != "sms":
            return None, -1
        if message.created_at + STATE_RETENTION <= self.now():
            return None, -1
        return message, message.ids.index(message_id.strip())

    def messages(self, **filters: str) -> list[Message]:
        self.tick()
        out = []
        for message in self.store.messages():
            if all(_matches(message, key, value) for key, value in filters.items() if value not in (None, "")):
                out.append(message)
        return out

    def message(self, segment_id: str) -> Message | None:
        self.tick()
        return self.store.message(segment_id)

    def statistics(self, credentials: Credentials, start: datetime, end: datetime) -> dict[str, int | float]:
        account = self.resolve(credentials)
        self.tick()
        counts = {name: 0 for name in STAT_GROUPS}
        for message in self.store.messages():
            if message.login != account.login or not start <= message.created_at <= end:
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
        submission = Submission(
            id=next(self._submission_ids),
            transport=transport,
            service=service,
            received_at=self.now(),
            outcome=REJECTED if kind else ACCEPTED,
            login=login,
            error=kind,
            reason=reason,
            message_ids=[m.id for m in messages or []],
            details=details,
        )
        self.store.add_submission(submission)
        return submission

    def submissions(self, **filters: str) -> list[Submission]:
        wanted = {k: v for k, v in filters.items() if v not in (None, "")}
        return [s for s in self.store.submissions()
                if all(str(getattr(s, k, None)) == v for k, v in wanted.items())]

    # --- incoming --------------------------------------------------------------------

    def receive_incoming(self, login: str, source: str, destination: str, text: str, channel: str = "sms") -> Incoming:
        account = self.store.accounts.get(login)
        if account is None:
            raise errors.InvalidCredentials(f"no account {login!r}")
        incoming = Incoming(
            id=next(self._incoming_ids),
            channel=channel,
            login=login,
            source=normalize(source) or source,
            destination=normalize(destination) or destination,
            text=text,
            created_at=self.now(),
        )
        self.store.add_incoming(incoming)
        self._emit(IncomingReceived(incoming))
        return incoming

    def incoming(self, credentials: Credentials, since: datetime, until: datetime) -> list[Incoming]:
        account = self.resolve(credentials)
        return [
            m for m in self.store.incoming()
            if m.login == account.login and since <= m.created_at <= until
        ]


def _segmentation(request: SmsRequest) -> Segmentation:
    whole = segment(request.text or "")
    if not request.parts:
        return whole
    return Segmentation(whole.encoding, whole.units, tuple(request.parts))


def _matches(message: Message, key: str, value: str) -> bool:
    if key == "status":
        from devino_mock.core.messages import STATUS_BY_NAME

        if isinstance(message.status, str):  # e-mail states are names
            return message.status.casefold() == value.casefold()
        wanted = STATUS_BY_NAME.get(value, value)
        return str(message.status) == str(wanted)
    if key == "id":
        return value in message.ids
    if key == "destination":
        return message.destination == (normalize(value) or value)
    return str(getattr(message, key, None)) == value
