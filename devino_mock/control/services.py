"""Control calls of the services (mock-interface.md §3; imsi.md §5.5, twofa.md §5.5): a SIM
swap (and how the operator answers IMSI lookups) and the «Перепроверить» re-check of a
subscriber's IMSI, the subscribers' IMSI state with their request logs, and the 2FA code state
of a number. Each is one core operation and a view."""

from __future__ import annotations

from datetime import datetime, timezone

from devino_mock.control.table import Call, ControlError, ControlTable, json_response
from devino_mock.control.views import iso
from devino_mock.core import errors
from devino_mock.core.accounts import IMSI_RE, LOOKUP_BEHAVIOURS
from devino_mock.core.platform import Platform
from devino_mock.core.services.imsi import KEEP
from devino_mock.core.services.twofa import normalize_phone


def _string(data: dict, name: str, most: int = 128) -> str:
    value = data.get(name)
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip() \
            or len(str(value)) > most:
        raise ControlError(f"'{name}' must be a string of at most {most} characters")
    return str(value).strip()


def subscriber_view(subscriber: dict) -> dict:
    """A subscriber's IMSI state (ImsiService.subscriber) with its instants in ISO form."""
    return {**subscriber, "next_lookup_at": iso(subscriber["next_lookup_at"]),
            "requests": [{**entry, "at": iso(entry["at"])} for entry in subscriber["requests"]]}


def register(table: ControlTable, platform: Platform) -> None:
    imsi = platform.imsi

    def _login(value: str | None) -> str:
        if not value:
            raise ControlError("missing 'login'")
        if platform.account(value) is None:
            raise ControlError(f"no account {value!r}", 404)
        return value

    async def set_imsi(call: Call):
        data = await call.body()
        login, number = _login(data.get("login")), _string(data, "number")
        raw = data.get("imsi", KEEP)
        if raw is not None and raw is not KEEP and (not isinstance(raw, str) or not IMSI_RE.match(raw)):
            raise ControlError("'imsi' must be a raw IMSI of 5 to 15 digits, or null to forget the subscriber")
        behaviour = data.get("lookup_behaviour")
        if behaviour is not None and behaviour not in LOOKUP_BEHAVIOURS:
            raise ControlError(f"'lookup_behaviour' must be one of {list(LOOKUP_BEHAVIOURS)}")
        try:
            return json_response(subscriber_view(imsi.set_imsi(login, number, raw, behaviour)))
        except errors.InvalidDestination:
            raise ControlError(f"'number' {number!r} is not a phone number (11 to 15 digits)") from None

    async def recheck(call: Call):
        data = await call.body()
        login, number = _login(data.get("login")), _string(data, "number")
        try:
            return json_response(subscriber_view(imsi.recheck(login, number)))
        except errors.InvalidDestination:
            raise ControlError(f"'number' {number!r} is not a phone number (11 to 15 digits)") from None

    async def list_imsi(call: Call):
        return json_response([subscriber_view(s) for s in imsi.subscribers(_login(call.query.get("login")))])

    async def twofa_code(call: Call):
        login, number = _login(call.query.get("login")), normalize_phone(call.params["number"])
        account = platform.account(login)
        if number is None:
            raise ControlError(f"{call.params['number']!r} is not a 2FA phone number (10 to 15 digits)")
        if not account.api_key:  # type: ignore[union-attr]
            raise ControlError(f"account {login!r} has no 'api_key'", 404)
        record = platform.twofa.code_record(account, number)  # type: ignore[arg-type]
        if record is None:
            raise ControlError(f"no code for {number}", 404)
        return json_response({
            "number": number, "code": record["code"], "state": platform.twofa.state(record),
            "used": record["used"], "attempts": record["attempts"], "message_id": record["message_id"],
            "created_at": iso(datetime.fromtimestamp(record["created_at"], timezone.utc)),
            "expires_at": iso(datetime.fromtimestamp(record["expires_at"], timezone.utc)),
        })

    table.add("POST", "/imsi", set_imsi, "a subscriber's current IMSI (a SIM swap) and how the operator answers "
                                         "lookups ({login, number, imsi, lookup_behaviour})")
    table.add("POST", "/imsi/recheck", recheck, "«Перепроверить»: a new lookup; the IMSI it gets becomes the reference")
    table.add("GET", "/imsi", list_imsi, "an account's subscribers: current and reference IMSI, status, "
                                         "IMSI requests (?login=)")
    table.add("GET", "/twofa/codes/{number}", twofa_code, "the 2FA code of a number (?login=)")
