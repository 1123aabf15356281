"""The 2FA (phone verification) service (twofa.md §3–§5): verification codes per (ApiKey,
number) with the §5.3 state machine on the virtual clock, the per-minute limits, the IMSI check,
and the code going out as an SMS through the one send pipeline (transport "2fa").

Outcomes are wire-neutral names; the adapter (protocols/twofa) maps them to Code/Description."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Literal, TypedDict

from devino_mock.core import errors
from devino_mock.core.clock import Timestamp
from devino_mock.core.records import RecordKind
from devino_mock.core.sending import SendRequest

if TYPE_CHECKING:
    from devino_mock.core.accounts import Account
    from devino_mock.core.platform import Platform

TRANSPORT = "2fa"
# Keyed records of the store: a code per (ApiKey, number), the calls of the last minute per
# limit (dicts, each with the `login` of the account whose ApiKey it is, so that a scoped reset
# finds them, and the key it is kept under, so that a snapshot can put it back).
CODE, CALLS = "twofa.code", "twofa.calls"
RATE_WINDOW = timedelta(minutes=1)
_SEPARATORS = re.compile(r"[\s()\-]")
_PHONE = re.compile(r"^\d{10,15}$")  # twofa.md §5.3 GenerateCode step 3, C-7

# GenerateCode outcomes
SENT, CODE_EXISTS, INVALID_IMSI, SEND_FAILED = "sent", "code_exists", "invalid_imsi", "send_failed"
# CheckCode outcomes
VALID, NOT_FOUND, EXPIRED = "valid", "not_found", "expired"
# both
INVALID_KEY, INVALID_PHONE, RATE_LIMITED = "invalid_key", "invalid_phone", "rate_limited"

# The business faults the control API arranges (protocols/twofa/faults.py): a store value.
FAULTS_KEY = "twofa.faults"
FaultMethod = Literal["GenerateCode", "CheckCode"]
FaultCode = Literal[4, 5]  # "Internal Server Error", "Code not Found"


class Code(TypedDict):
    code: str
    created_at: Timestamp
    expires_at: Timestamp
    used: bool
    attempts: int  # wrong codes checked
    message_id: str  # the SMS that carried it
    login: str
    key: str  # "<ApiKey>:<number>"


class Calls(TypedDict):
    login: str
    scope: str  # "<operation>:<ApiKey>" or "<operation>:<ApiKey>:<number>"
    calls: list[Timestamp]


class Fault(TypedDict):
    id: int
    endpoint: FaultMethod
    code: FaultCode
    count: int
    fired: int


# Each kind of record kept here, with its key: what a snapshot carries.
RECORDS = {CODE: RecordKind(Code, lambda code: code["key"]), CALLS: RecordKind(Calls, lambda calls: calls["scope"])}


def normalize_phone(raw: str | None) -> str | None:
    """Spaces, brackets, dashes and a leading + stripped; 10 to 15 digits, or None."""
    if raw is None:
        return None
    number = _SEPARATORS.sub("", raw)
    if number.startswith("+"):
        number = number[1:]
    return number if number.isascii() and _PHONE.match(number) else None


@dataclass
class Verdict:
    outcome: str
    account: "Account | None" = None  # the ApiKey's account, when known (its settings shape the answer)
    message_id: str | None = None  # the SMS that carried a new code


class TwofaService:
    def __init__(self, platform: "Platform") -> None:
        self.platform = platform

    # --- the two operations ----------------------------------------------------------------

    def generate(self, api_key: str | None, destination: str | None, imsi: str | None = None) -> Verdict:
        """GenerateCode in the order of twofa.md §5.3."""
        account = self._account(api_key)
        if account is None:
            return Verdict(INVALID_KEY)
        if self._limited("generate", account, destination):
            return Verdict(RATE_LIMITED, account)
        number = normalize_phone(destination)
        if number is None:
            return Verdict(INVALID_PHONE, account)
        settings = account.twofa
        record = self.code_record(account, number)
        if record and not record["used"] and self.platform.clock.timestamp() <= record["expires_at"]:
            return Verdict(CODE_EXISTS, account)
        if imsi and imsi.strip() and settings.imsi_check_enabled \
                and not self.platform.imsi.matches_code(account, number, imsi):
            return Verdict(INVALID_IMSI, account)
        if number in settings.fail_numbers:
            return Verdict(SEND_FAILED, account)
        code = settings.fixed_code or "".join(secrets.choice(settings.code_alphabet)
                                              for _ in range(settings.code_length))
        from devino_mock.core.platform import ByAccount

        try:
            [message] = self.platform.send(ByAccount(account.login), SendRequest(
                source=settings.sms_sender, destinations=[number], transport=TRANSPORT,
                text=settings.sms_text_template.replace("{code}", code), extra={"twofa_code": code}))
        except errors.PlatformError:
            return Verdict(SEND_FAILED, account)  # no code is stored
        now = self.platform.clock.timestamp()
        self._save(account, number, {
            "code": code, "created_at": now, "expires_at": now + settings.code_ttl_seconds,
            "used": False, "attempts": 0, "message_id": message.id,
        })
        return Verdict(SENT, account, message.id)

    def check(self, api_key: str | None, destination: str | None, code: str | None) -> Verdict:
        """CheckCode: the last code sent to the number, compared exactly after trimming."""
        account = self._account(api_key)
        if account is None:
            return Verdict(INVALID_KEY)
        if self._limited("check", account, destination):
            return Verdict(RATE_LIMITED, account)
        number = normalize_phone(destination)
        if number is None:
            return Verdict(INVALID_PHONE, account)
        given = (code or "").strip()
        if not given:
            return Verdict(NOT_FOUND, account)
        record = self.code_record(account, number)
        if record is None or record["used"]:
            return Verdict(NOT_FOUND, account)  # none, or consumed (C-5)
        if given != record["code"]:
            record["attempts"] += 1
            limit = account.twofa.max_check_attempts
            if limit and record["attempts"] > limit:
                record["used"] = True  # invalidated: later checks find nothing (C-4)
            self._save(account, number, record)
            return Verdict(NOT_FOUND, account)  # a wrong code is 5 even when expired (C-6)
        if self.platform.clock.timestamp() > record["expires_at"]:
            return Verdict(EXPIRED, account)
        record["used"] = True
        self._save(account, number, record)
        return Verdict(VALID, account)

    # --- state ---------------------------------------------------------------------------

    def code_record(self, account: "Account", number: str) -> dict | None:
        """{code, created_at, expires_at (epoch seconds), used, attempts, message_id} or None."""
        record = self.platform.store.get(CODE, self._code_key(account, number))
        return dict(record) if isinstance(record, dict) else None

    def state(self, record: dict) -> str:
        """The §5.3 state of a record: active, used or expired."""
        if record["used"]:
            return "used"
        return "expired" if self.platform.clock.timestamp() > record["expires_at"] else "active"

    def _save(self, account: "Account", number: str, record: dict) -> None:
        # With the account's login: a scoped reset of the account forgets its codes.
        key = self._code_key(account, number)
        self.platform.store.put(CODE, key, {**record, "login": account.login, "key": key})

    def _code_key(self, account: "Account", number: str) -> str:
        return f"{account.api_key}:{number}"

    def _account(self, api_key: str | None) -> "Account | None":
        key = (api_key or "").strip()
        if not key:
            return None
        for account in self.platform.store.accounts():
            if account.api_key == key:
                return account if account.enabled else None
        return None

    def _limited(self, operation: str, account: "Account", destination: str | None) -> bool:
        """Every call counts, failed ones too (§5.3 step 2): a sliding minute on the virtual
        clock, per (ApiKey, number) and per ApiKey, for each operation."""
        settings = account.twofa
        now = self.platform.clock.timestamp()
        since = now - RATE_WINDOW.total_seconds()
        number = normalize_phone(destination) or (destination or "").strip()[:32]
        limited = False
        for scope, limit in ((f"{operation}:{account.api_key}", settings.rate_limit_per_key_per_minute),
                             (f"{operation}:{account.api_key}:{number}", settings.rate_limit_per_minute)):
            record = self.platform.store.get(CALLS, scope)
            calls = [t for t in (record["calls"] if isinstance(record, dict) else ()) if t > since]
            calls.append(now)
            self.platform.store.put(CALLS, scope, {"login": account.login, "scope": scope, "calls": calls})
            if limit and len(calls) > limit:
                limited = True
        return limited
