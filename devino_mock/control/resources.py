"""The platform's control calls (mock-interface.md §4, §7–§10): each handler is one core
operation and a view. Surfaces add their own calls to the same table (server.py)."""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from typing import Callable

from devino_mock import __version__
from devino_mock.control import lists
from devino_mock.control.table import Call, ControlError, ControlTable, json_response
from devino_mock.control.views import callback_view, channel_view, incoming_view, iso, message_view, submission_view
from devino_mock.core import errors
from devino_mock.core.accounts import CALLBACK_KINDS, Account
from devino_mock.core.channels import CHANNELS
from devino_mock.core.clock import MAX_ADVANCE
from devino_mock.core.platform import Platform
from devino_mock.core.records import DELIVERED, GAVE_UP, PENDING
from devino_mock.core.scenarios import MAX_DELAY, Rule

MESSAGE_FILTERS = ("channel", "transport", "login", "source", "destination", "status", "id")
SUBMISSION_FILTERS = ("transport", "service", "outcome", "login", "error")
CALLBACK_FILTERS = ("kind", "login", "state", "message_id")
INCOMING_FILTERS = ("login", "channel", "source", "destination", "parent_id")
MAX_TEXT_FIELD = 10_000


def _text(data: dict, name: str, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise ControlError(f"missing '{name}'")
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool) or len(str(value)) > MAX_TEXT_FIELD:
        raise ControlError(f"'{name}' must be a string of at most {MAX_TEXT_FIELD} characters")
    return str(value)


def _parses(channel, status: str) -> bool:
    try:
        channel.parse_status(status)
    except ValueError:
        return False
    return True


def _seconds(value: object, name: str, most: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ControlError(f"'{name}' must be a number of seconds from 0 to {most:.0f}")
    try:
        seconds = float(value)
    except ValueError:
        raise ControlError(f"'{name}' must be a number of seconds from 0 to {most:.0f}") from None
    if not math.isfinite(seconds) or not 0 <= seconds <= most:
        raise ControlError(f"'{name}' must be a number of seconds from 0 to {most:.0f}")
    return seconds


def _instant(value: object) -> datetime:
    if not isinstance(value, str):
        raise ControlError("'now' must be an ISO 8601 time such as 2030-01-01T00:00:00Z")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ControlError(f"'now' {value!r} is not an ISO 8601 time such as 2030-01-01T00:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _status_names(channel: str | None) -> list[str]:
    channels = [CHANNELS[channel]] if channel else list(CHANNELS.values())
    return sorted({n for c in channels for n in c.names()})


def register(table: ControlTable, platform: Platform, ports: Callable[[], dict],
             on_reset: Callable[[], None], changes, on_reset_login: Callable[[str], None]) -> None:
    async def channels(call: Call):
        return json_response([channel_view(c) for c in CHANNELS.values()])

    async def health(call: Call):
        return json_response({"status": "ok", "version": __version__, "ports": ports(), "now": iso(platform.now())})

    async def reset(call: Call):
        data = await call.body()
        unknown = sorted(set(data) - {"login"})
        if unknown:
            raise ControlError(f"unknown reset fields {unknown}: only 'login' (a scoped reset)")
        if "login" in data:
            login = _text(data, "login")
            platform.reset_account(login)  # type: ignore[arg-type]
            on_reset_login(login)  # type: ignore[arg-type]
            return json_response({"status": "reset", "login": login, "now": iso(platform.now())})
        platform.reset()
        on_reset()
        return json_response({"status": "reset", "now": iso(platform.now())})

    # --- accounts ---
    async def list_accounts(call: Call):
        return json_response([a.to_dict() for a in platform.accounts()])

    async def put_account(call: Call):
        account = Account.from_dict(await call.body())
        return json_response(platform.upsert_account(account).to_dict(), status=201)

    async def get_account(call: Call):
        account = platform.account(call.params["login"])
        if account is None:
            raise ControlError(f"no account {call.params['login']!r}", 404)
        return json_response(account.to_dict())

    # --- messages ---
    async def list_messages(call: Call):
        query = lists.parse(call, MESSAGE_FILTERS)
        channel = query.filters.get("channel")
        lists.one_of("channel", channel, sorted(CHANNELS))
        status = query.filters.get("status")
        if status is not None:
            channels = [CHANNELS[channel]] if channel else list(CHANNELS.values())
            if not any(_parses(c, status) for c in channels):
                raise ControlError(f"unknown status {status!r}: one of {_status_names(channel)}")
        return await lists.answer(query, lambda: [message_view(m) for m in platform.messages(**query.filters)],
                                  changes)

    def _message(call: Call):
        message = platform.message(call.params["id"])
        if message is None:
            raise ControlError(f"no message {call.params['id']!r}", 404)
        return message

    async def get_message(call: Call):
        return json_response(message_view(_message(call)))

    async def steer_message(call: Call):
        data = await call.body()
        message = _message(call)
        channel = CHANNELS[message.channel]
        if isinstance(data.get("status"), (list, dict)) or data.get("status") is None:
            raise ControlError(f"'status' must be one of {channel.names()}")
        status = channel.parse_status(data["status"])
        error = channel.parse_error(data["error"]) if data.get("error") is not None else None
        after = _seconds(data.get("after", 0) or 0, "after", MAX_DELAY)
        return json_response(message_view(platform.set_status(message.id, status, after, error)))

    # --- clock ---
    def clock_view() -> dict:
        return {"now": iso(platform.now()), "offset_seconds": round(platform.clock.timestamp() - time.time(), 3),
                "frozen": platform.clock.frozen}

    async def clock(call: Call):
        return json_response(clock_view())

    async def freeze(call: Call):
        platform.freeze()
        return json_response(clock_view())

    async def unfreeze(call: Call):
        platform.unfreeze()
        return json_response(clock_view())

    async def set_clock(call: Call):
        data = await call.body()
        unknown = sorted(set(data) - {"now"})
        if unknown:
            raise ControlError(f"unknown fields {unknown}: only 'now'")
        when = _instant(data.get("now"))
        try:
            seconds = platform.clock.seconds_until(when)
        except ValueError as exc:
            raise ControlError(str(exc)) from None
        _seconds(seconds, "the step to 'now'", MAX_ADVANCE)
        platform.set_time(when)
        await platform.outbox.flush()
        return json_response(clock_view())

    async def advance(call: Call):
        data = await call.body()
        seconds = _seconds(data.get("seconds"), "seconds", MAX_ADVANCE)
        now = platform.advance(seconds)
        await platform.outbox.flush()
        return json_response({**clock_view(), "now": iso(now)})

    # --- incoming ---
    async def list_incoming(call: Call):
        query = lists.parse(call, INCOMING_FILTERS)
        lists.one_of("channel", query.filters.get("channel"), sorted(CHANNELS))

        def views() -> list[dict]:
            items = [incoming_view(m) for m in platform.incoming_messages()]
            return [v for v in items if all(str(v.get(k)) == want for k, want in query.filters.items())]
        return await lists.answer(query, views, changes)

    async def inject_incoming(call: Call):
        data = await call.body()
        channel = _text(data, "channel", required=False) or "sms"
        if channel not in CHANNELS:
            raise ControlError(f"unknown channel {channel!r}: one of {sorted(CHANNELS)}")
        text = _text(data, "text")
        parent_id = _text(data, "parent_id", required=False)
        if parent_id is not None:
            try:
                incoming = platform.reply(parent_id, text)  # type: ignore[arg-type]
            except KeyError:
                raise ControlError(f"no message {parent_id!r} to answer", 404) from None
        else:
            if channel != "sms":
                raise ControlError(f"an incoming {channel} message answers one: give 'parent_id'")
            try:
                incoming = platform.receive_incoming(_text(data, "login"), _text(data, "source"),  # type: ignore[arg-type]
                                                     _text(data, "destination"), text, channel=channel)  # type: ignore[arg-type]
            except errors.InvalidCredentials as exc:
                raise ControlError(str(exc), 404) from None
        await platform.outbox.flush()
        return json_response(incoming_view(incoming), status=201)

    # --- submissions (mails, files) ---
    def submissions(transport: str | None):
        async def handler(call: Call):
            if "id" in call.params:
                found = platform.submissions(transport=transport, id=call.params["id"])  # type: ignore[arg-type]
                if not found:
                    raise ControlError(f"no submission {call.params['id']!r}", 404)
                return json_response(submission_view(found[0]))
            query = lists.parse(call, SUBMISSION_FILTERS)
            lists.one_of("outcome", query.filters.get("outcome"), ["accepted", "rejected"])
            filters = {**query.filters, **({"transport": transport} if transport else {})}
            return await lists.answer(query, lambda: [submission_view(s) for s in platform.submissions(**filters)],
                                      changes)
        return handler

    # --- rules ---
    async def list_rules(call: Call):
        query = lists.parse(call, ("channel", "login", "destination", "source"))
        lists.one_of("channel", query.filters.get("channel"), sorted(CHANNELS))
        return await lists.answer(query, lambda: [
            r for r in (r.to_dict() for r in platform.scenarios.rules())
            if all(str(r.get(k)) == want for k, want in query.filters.items())], changes)

    async def add_rule(call: Call):
        rule = platform.scenarios.add(Rule.from_dict(await call.body()))
        return json_response(rule.to_dict(), status=201)

    async def clear_rules(call: Call):
        platform.scenarios.clear_runtime()
        return json_response([r.to_dict() for r in platform.scenarios.rules()])

    async def delete_rule(call: Call):
        if not platform.scenarios.remove(call.params["id"]):
            raise ControlError(f"no run-time rule {call.params['id']!r} (fixture rules stay)", 404)
        return json_response([r.to_dict() for r in platform.scenarios.rules()])

    # --- callbacks ---
    async def list_callbacks(call: Call):
        query = lists.parse(call, CALLBACK_FILTERS)
        lists.one_of("kind", query.filters.get("kind"), CALLBACK_KINDS)
        lists.one_of("state", query.filters.get("state"), [PENDING, DELIVERED, GAVE_UP])

        def views() -> list[dict]:
            return [callback_view(c) for c in platform.outbox.callbacks()
                    if all(str(getattr(c, k)) == v for k, v in query.filters.items())]
        return await lists.answer(query, views, changes)

    for method, pattern, handler, summary in (
        ("GET", "/health", health, "health, version and ports"),
        ("GET", "/channels", channels, "every channel with its statuses (names, codes, texts, final) and error reasons"),
        ("POST", "/reset", reset, "forget everything, restore fixtures, clock back to real time; "
                                  "with {\"login\"}: only what belongs to that account"),
        ("GET", "/accounts", list_accounts, "the accounts"),
        ("POST", "/accounts", put_account, "create or replace an account"),
        ("GET", "/accounts/{login}", get_account, "one account"),
        ("GET", "/messages", list_messages, "every message of every channel, filterable"),
        ("GET", "/messages/{id}", get_message, "one message with its history and plan"),
        ("POST", "/messages/{id}/status", steer_message, "give a message a status now or after a delay"),
        ("GET", "/clock", clock, "the virtual clock: now, offset from real time, frozen or not"),
        ("POST", "/clock/advance", advance, "move the clock forward and run what fell due"),
        ("POST", "/clock/freeze", freeze, "hold the clock still"),
        ("POST", "/clock/unfreeze", unfreeze, "let the clock run again from where it stands"),
        ("POST", "/clock/set", set_clock, "move the clock forward to an instant, running what fell due"),
        ("GET", "/incoming", list_incoming, "incoming messages"),
        ("POST", "/incoming", inject_incoming, "an incoming SMS, or a subscriber's reply to a message"),
        ("GET", "/mails", submissions("smtp"), "mails the SMTP listener received"),
        ("GET", "/mails/{id}", submissions("smtp"), "one mail"),
        ("GET", "/submissions", submissions(None), "mails and files handed in"),
        ("GET", "/submissions/{id}", submissions(None), "one submission"),
        ("GET", "/rules", list_rules, "outcome rules, run-time ones first"),
        ("POST", "/rules", add_rule, "add an outcome rule"),
        ("DELETE", "/rules", clear_rules, "remove every run-time rule"),
        ("DELETE", "/rules/{id}", delete_rule, "remove one run-time rule"),
        ("GET", "/callbacks", list_callbacks, "every callback with its attempts"),
    ):
        table.add(method, pattern, handler, summary)
