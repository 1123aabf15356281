"""The IMSI lookups of the Devino-side check (imsi.md §3, §5.2–§5.3), on the virtual clock.

The reference lookup (after a subscriber's first SMS, or «Перепроверить») completes the
account's `lookup_delay_ms` later; until then the subscriber is `pending`. A subscriber that is
unavailable, or an operator fault, is retried after each of `retry_backoff_seconds` in turn
(1, 5 and 30 minutes by default), then the reference is `unobtainable`; an operator that gives
out no IMSIs makes it `unobtainable` at once (D-4). Each subscriber's state and request log is
a record in the store: a restart on a kept store schedules a pending lookup again from it, a
reset forgets it, and the scheduler stays an index."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from devino_mock.core.records import RecordKind

if TYPE_CHECKING:
    from devino_mock.core.accounts import Account
    from devino_mock.core.platform import Platform

RECORD = "imsi.subscriber"
OK, UNAVAILABLE, UNSUPPORTED, OPERATOR_FAILURE = "ok", "unavailable", "unsupported_operator", "operator_failure"
NO_IMSI = "no_imsi"  # the operator knows no IMSI for the number (the account's `imsi` lacks it)
RETRIED = (UNAVAILABLE, OPERATOR_FAILURE)
FIRST_SMS, RECHECK, SMS = "first_sms", "recheck", "sms"  # what asked for a lookup
KEPT_REQUESTS = 100  # the newest entries of a subscriber's request log


class LookupRequest(TypedDict):
    """One lookup in a subscriber's request log."""

    at: datetime
    trigger: str  # FIRST_SMS, RECHECK or SMS
    result: str  # OK, NO_IMSI or a lookup_behaviour
    imsi: str | None
    attempt: int
    message_id: str | None


@dataclass
class ImsiRecord:
    """What the platform knows of one subscriber beyond the account's fixture."""

    login: str
    number: str
    reference: str | None = None  # the reference ("эталонное") IMSI
    unobtainable: bool = False  # the last reference lookup gave up, with no reference to keep
    lookup: str | None = None  # what started the reference lookup under way (FIRST_SMS, RECHECK)
    lookup_message_id: str | None = None  # the SMS that started it
    failures: int = 0  # failed attempts of that lookup so far
    # When its next attempt is due; kept in the record so that a restart schedules it again and
    # a stale timer (of a lookup restarted by a recheck) can tell it is stale.
    next_lookup_at: datetime | None = None
    requests: list[LookupRequest] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.reference is not None:
            return "reference_set"
        if self.lookup is not None:
            return "pending"
        return "unobtainable" if self.unobtainable else "no_reference"


# What a snapshot carries of it: each subscriber's record (a lookup under way is scheduled
# again from it, as after a restart).
RECORDS = {RECORD: RecordKind(ImsiRecord, lambda record: f"{record.login}:{record.number}")}


def ask_operator(account: "Account", number: str) -> tuple[str, str | None]:
    """What the operator answers for a subscriber at this moment: (result, IMSI or None)."""
    behaviour = account.imsi_check.lookup_behaviour.get(number, OK)
    if behaviour != OK:
        return behaviour, None
    current = account.imsi.get(number)
    return (OK, current) if current is not None else (NO_IMSI, None)


class Lookups:
    def __init__(self, platform: "Platform") -> None:
        self.platform = platform
        self.store = platform.store

    def record(self, login: str, number: str) -> ImsiRecord | None:
        return self.store.get(RECORD, f"{login}:{number}")  # type: ignore[return-value]

    def save(self, record: ImsiRecord) -> None:
        self.store.put(RECORD, f"{record.login}:{record.number}", record)

    def log(self, record: ImsiRecord, trigger: str, result: str, imsi: str | None,
            message_id: str | None = None) -> None:
        """One lookup in the subscriber's request log (the LK's "запросы IMSI и их результат");
        the caller saves the record."""
        record.requests.append({"at": self.platform.now(), "trigger": trigger, "result": result, "imsi": imsi,
                                "attempt": record.failures + 1 if trigger != SMS else 1, "message_id": message_id})
        del record.requests[:-KEPT_REQUESTS]

    def start(self, account: "Account", number: str, trigger: str, message_id: str | None = None) -> ImsiRecord:
        """A reference lookup, due `lookup_delay_ms` from now; one under way starts over."""
        record = self.record(account.login, number) or ImsiRecord(account.login, number)
        record.lookup, record.lookup_message_id, record.failures = trigger, message_id, 0
        self._schedule(record, self.platform.now() + timedelta(milliseconds=account.imsi_check.lookup_delay_ms))
        return record

    def reschedule(self) -> None:
        """Schedule again every lookup still under way, from its record (a restart on a kept store)."""
        for record in self.store.records(RECORD):
            if record.next_lookup_at is not None:
                self._timer(record)

    def _schedule(self, record: ImsiRecord, when: datetime) -> None:
        record.next_lookup_at = when
        self.save(record)
        self._timer(record)

    def _timer(self, record: ImsiRecord) -> None:
        when: datetime = record.next_lookup_at  # type: ignore[assignment]
        self.platform.scheduler.at(when, self._due, record.login, record.number, when)

    def _due(self, login: str, number: str, when: datetime) -> None:
        record = self.record(login, number)
        if record is None or record.next_lookup_at != when:
            return  # forgotten by a reset, or started over since
        record.next_lookup_at = None
        account = self.store.account(login)
        if account is None:  # the account was deleted meanwhile: nobody to ask for
            record.lookup = None
            self.save(record)
            return
        result, imsi = ask_operator(account, number)
        self.log(record, record.lookup or RECHECK, result, imsi, record.lookup_message_id)
        backoff = account.imsi_check.retry_backoff_seconds
        if result in RETRIED and record.failures < len(backoff):
            record.failures += 1
            self._schedule(record, self.platform.now() + timedelta(seconds=backoff[record.failures - 1]))
            return
        if result == OK:
            record.reference = imsi
        record.unobtainable = record.reference is None
        record.lookup, record.lookup_message_id, record.failures = None, None, 0
        self.save(record)
