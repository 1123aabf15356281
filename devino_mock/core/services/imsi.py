"""Subscriber IMSI records and checks (imsi.md §5.2–§5.3, twofa.md §5.4).

An account's `imsi` field holds each subscriber's current raw IMSI, as the operator would report
it (a test changes it to simulate a SIM swap), and `imsi_check` how the operator answers lookups.
The reference ("эталонное") IMSI of the Devino-side check, the lookups under way and the request
log are platform state, kept in the store (imsi_lookups.py)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from devino_mock.core import errors
from devino_mock.core.events import Event, MessageAccepted
from devino_mock.core.numbers import normalize
from devino_mock.core.sending import SendRequest
from devino_mock.core.services.imsi_lookups import (FIRST_SMS, OK, RECHECK, SMS, ImsiRecord, Lookups,
                                                     ask_operator)

if TYPE_CHECKING:
    from devino_mock.core.accounts import Account
    from devino_mock.core.platform import Platform

log = logging.getLogger("devino_mock.imsi")
SUBSTITUTE_TRANSPORT = "imsi_substitute"
BLOCKED_STATUS, BLOCKED_ERROR = "rejected", "imsi_mismatch"  # imsi.md §5.3, D-7
LOOKUP_FAILED_ERROR = "imsi_lookup_failed"  # blocked because the check's lookup failed (D-3, "block")
KEEP = object()  # set_imsi: the current IMSI stays as it is


def imsi_code(raw: str) -> str:
    """The 2FA IMSICode of a raw IMSI: its upper-case MD5 hex (twofa.md §5.4)."""
    return hashlib.md5(raw.encode("ascii")).hexdigest().upper()


class ImsiService:
    def __init__(self, platform: "Platform") -> None:
        self.platform = platform
        self.lookups = Lookups(platform)
        platform.subscribe(self._on_event, MessageAccepted, channels=("sms",))

    # --- records ------------------------------------------------------------------------

    def matches_code(self, account: "Account", number: str, given: str) -> bool:
        """Whether an IMSICode names the subscriber's current SIM: its code (any letter case)
        or, leniently, the raw IMSI itself. An unknown subscriber matches nothing."""
        current = account.imsi.get(number)
        if current is None:
            return False
        given = given.strip()
        return given.upper() == imsi_code(current) or given == current

    def set_imsi(self, login: str, number: str, imsi: object = KEEP, behaviour: str | None = None) -> dict:
        """A SIM swap (or a new subscriber): the operator now reports `imsi`; None forgets it,
        KEEP leaves it. `behaviour` (LOOKUP_BEHAVIOURS) is how the operator answers lookups
        from now on. Returns the subscriber's view."""
        account = self._account(login)
        wanted = normalize(number)
        if wanted is None:
            raise errors.InvalidDestination(number)
        if imsi is None:
            account.imsi.pop(wanted, None)
        elif imsi is not KEEP:
            account.imsi[wanted] = imsi  # type: ignore[assignment]
        if behaviour is not None:
            behaviours = {n: b for n, b in account.imsi_check.lookup_behaviour.items() if n != wanted}
            if behaviour != OK:
                behaviours[wanted] = behaviour
            account.imsi_check = replace(account.imsi_check, lookup_behaviour=behaviours)
        self.platform.store.save_account(account)
        return self.subscriber(account, wanted)

    def recheck(self, login: str, number: str) -> dict:
        """«Перепроверить» / re-initialise: a new reference lookup, its value saved as the
        reference when it completes (the old reference holds until then). Returns the
        subscriber's view."""
        account = self._account(login)
        wanted = normalize(number)
        if wanted is None:
            raise errors.InvalidDestination(number)
        self.lookups.start(account, wanted, RECHECK)
        self.platform.tick()  # a lookup_delay_ms of 0 completes before the answer
        return self.subscriber(account, wanted)

    def subscribers(self, login: str) -> list[dict]:
        account = self._account(login)
        self.platform.tick()
        return [self.subscriber(account, number) for number in sorted(account.imsi)]

    def subscriber(self, account: "Account", number: str) -> dict:
        """A subscriber's state and request log (imsi.md §5.2), instants as datetimes."""
        current = account.imsi.get(number)
        record = self.lookups.record(account.login, number) or ImsiRecord(account.login, number)
        return {
            "number": number, "current_imsi": current, "imsi_code": imsi_code(current) if current else None,
            "reference_imsi": record.reference, "status": record.status,
            "pending_recheck": record.lookup == RECHECK, "next_lookup_at": record.next_lookup_at,
            "check_mode": account.imsi_check.modes.get(number, "check"),
            "lookup_behaviour": account.imsi_check.lookup_behaviour.get(number, OK),
            "requests": [dict(entry) for entry in record.requests],
        }

    def _account(self, login: str) -> "Account":
        account = self.platform.store.account(login)
        if account is None:
            raise errors.InvalidCredentials(f"no account {login!r}")
        return account

    def reschedule(self) -> None:
        self.lookups.reschedule()

    # --- the Devino-side check of every SMS (imsi.md §5.3) ---------------------------------

    def _on_event(self, event: Event) -> None:
        if not isinstance(event, MessageAccepted):
            return
        message = event.message
        if message.channel != "sms" or message.transport == SUBSTITUTE_TRANSPORT:
            return
        account = self.platform.store.account(message.login)
        if account is None or not account.imsi_check.enabled:
            return
        number = message.destination
        mode = account.imsi_check.modes.get(number, "check")
        if mode == "always_send":
            return
        reason = self._check(account, number, message.id) if mode == "check" else BLOCKED_ERROR
        if reason is not None:
            self._block(message, account.imsi_check.substitute_text, reason)

    def _check(self, account: "Account", number: str, message_id: str) -> str | None:
        """Why an SMS is blocked, or None: it goes out."""
        if account.imsi.get(number) is None:
            return None  # the operator gives no IMSI for it: sent without a check
        record = self.lookups.record(account.login, number)
        if record is None or record.reference is None:
            # Case 1: sent as it is; the reference is asked for after sending. While that lookup
            # is under way, or after it gave up (unobtainable), SMS go out without a check.
            if record is None or record.status == "no_reference":
                self.lookups.start(account, number, FIRST_SMS, message_id)
            return None
        result, imsi = ask_operator(account, number)  # the synchronous lookup before sending
        self.lookups.log(record, SMS, result, imsi, message_id)
        self.lookups.save(record)
        if result != OK:  # D-3: sent without a check, or blocked, as the account says
            return LOOKUP_FAILED_ERROR if account.imsi_check.on_lookup_error == "block" else None
        return None if imsi == record.reference else BLOCKED_ERROR  # case 2; case 3 keeps the reference

    def _block(self, message, substitute_text: str, reason: str) -> None:
        """Case 3, always_reject, or a failed check the account blocks on: the message is
        blocked and the subscriber gets the Bank's text instead, a message of its own; the
        reference stays unchanged."""
        self.platform.set_status(message.id, BLOCKED_STATUS, 0, reason)
        from devino_mock.core.platform import ByAccount

        try:
            [substitute] = self.platform.send(ByAccount(message.login), SendRequest(
                source=message.source, destinations=[message.destination], text=substitute_text,
                transport=SUBSTITUTE_TRANSPORT, parent=message.id))
        except errors.PlatformError as exc:
            message.extra["imsi_substitute_error"] = exc.kind
        else:
            message.fallback = substitute.id
        self.platform.store.save_message(message)
