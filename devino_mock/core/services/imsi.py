"""Subscriber IMSI records and checks (imsi.md §5.2–§5.3, twofa.md §5.4).

An account's `imsi` field holds each subscriber's current raw IMSI, as the operator would report
it (a test changes it to simulate a SIM swap). The reference ("эталонное") IMSI of the
Devino-side check is platform state, kept in the store."""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from devino_mock.core import errors
from devino_mock.core.events import Event, MessageAccepted
from devino_mock.core.numbers import normalize
from devino_mock.core.sending import SendRequest

if TYPE_CHECKING:
    from devino_mock.core.accounts import Account
    from devino_mock.core.platform import Platform

log = logging.getLogger("devino_mock.imsi")
SUBSTITUTE_TRANSPORT = "imsi_substitute"
BLOCKED_STATUS, BLOCKED_ERROR = "rejected", "imsi_mismatch"  # imsi.md §5.3, D-7
# The reference IMSI of each subscriber is a store value under this prefix (then login:number);
# null when re-checked while the operator gave none. A snapshot carries them.
REFERENCE_PREFIX = "imsi:reference:"
VALUE_PREFIXES = {REFERENCE_PREFIX: str | None}


def imsi_code(raw: str) -> str:
    """The 2FA IMSICode of a raw IMSI: its upper-case MD5 hex (twofa.md §5.4)."""
    return hashlib.md5(raw.encode("ascii")).hexdigest().upper()


class ImsiService:
    def __init__(self, platform: "Platform") -> None:
        self.platform = platform
        platform.subscribe(self._on_event, MessageAccepted, channels=("sms",))

    # --- records ------------------------------------------------------------------------

    def _key(self, login: str, number: str) -> str:
        return f"{REFERENCE_PREFIX}{login}:{number}"

    def reference(self, login: str, number: str) -> str | None:
        return self.platform.store.value(self._key(login, number))  # type: ignore[return-value]

    def matches_code(self, account: "Account", number: str, given: str) -> bool:
        """Whether an IMSICode names the subscriber's current SIM: its code (any letter case)
        or, leniently, the raw IMSI itself. An unknown subscriber matches nothing."""
        current = account.imsi.get(number)
        if current is None:
            return False
        given = given.strip()
        return given.upper() == imsi_code(current) or given == current

    def set_imsi(self, login: str, number: str, imsi: str | None) -> dict:
        """A SIM swap (or a new subscriber): the operator now reports `imsi`; None forgets it.
        Returns the subscriber's view."""
        account = self._account(login)
        wanted = normalize(number)
        if wanted is None:
            raise errors.InvalidDestination(number)
        if imsi is None:
            account.imsi.pop(wanted, None)
        else:
            account.imsi[wanted] = imsi
        self.platform.store.save_account(account)
        return self.subscriber(account, wanted)

    def recheck(self, login: str, number: str) -> dict:
        """«Перепроверить» / re-initialise: a new lookup, its value saved as the reference.
        Returns the subscriber's view."""
        account = self._account(login)
        wanted = normalize(number)
        if wanted is None:
            raise errors.InvalidDestination(number)
        self.platform.store.set_value(self._key(login, wanted), account.imsi.get(wanted))
        return self.subscriber(account, wanted)

    def subscribers(self, login: str) -> list[dict]:
        account = self._account(login)
        return [self.subscriber(account, number) for number in sorted(account.imsi)]

    def subscriber(self, account: "Account", number: str) -> dict:
        current = account.imsi.get(number)
        reference = self.reference(account.login, number)
        return {
            "number": number, "current_imsi": current, "imsi_code": imsi_code(current) if current else None,
            "reference_imsi": reference, "status": "reference_set" if reference else "no_reference",
            "check_mode": account.imsi_check.modes.get(number, "check"),
        }

    def _account(self, login: str) -> "Account":
        account = self.platform.store.account(login)
        if account is None:
            raise errors.InvalidCredentials(f"no account {login!r}")
        return account

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
        if mode == "check":
            current = account.imsi.get(number)
            if current is None:
                return  # the operator gives no IMSI for it: sent without a check
            reference = self.reference(account.login, number)
            if reference is None:
                # Case 1: sent as it is; the reference is asked for after sending and recorded.
                self.platform.store.set_value(self._key(account.login, number), current)
                return
            if reference == current:
                return  # case 2
        self._block(message, account.imsi_check.substitute_text)

    def _block(self, message, substitute_text: str) -> None:
        """Case 3 (and always_reject): the message is blocked and the subscriber gets the
        Bank's text instead, a message of its own; the reference stays unchanged."""
        self.platform.set_status(message.id, BLOCKED_STATUS, 0, BLOCKED_ERROR)
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
