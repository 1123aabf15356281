"""The platform's control calls (mock-interface.md §4, §7–§10): each handler is one core
operation and a view. Surfaces add their own calls to the same table (server.py)."""

from __future__ import annotations

import math
from typing import Callable

from devino_mock import __version__
from devino_mock.control.table import Call, ControlError, ControlTable, json_response
from devino_mock.control.views import callback_view, incoming_view, iso, message_view, submission_view
from devino_mock.core import errors
from devino_mock.core.accounts import Account
from devino_mock.core.channels import CHANNELS
from devino_mock.core.clock import MAX_ADVANCE
from devino_mock.core.platform import Platform
from devino_mock.core.scenarios import MAX_DELAY, Rule

MESSAGE_FILTERS = ("channel", "transport", "login", "source", "destination", "status", "id")
SUBMISSION_FILTERS = ("transport", "service", "outcome", "login", "error")
CALLBACK_FILTERS = ("kind", "login", "state", "message_id")
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


def register(table: ControlTable, platform: Platform, ports: Callable[[], dict],
             on_reset: Callable[[], None]) -> None:
    async def health(call: Call):
        return json_response({"status": "ok", "version": __version__, "ports": ports(), "now": iso(platform.now())})

    async def reset(call: Call):
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
        filters = {k: call.query.get(k) for k in MESSAGE_FILTERS}
        if filters["channel"] and filters["channel"] not in CHANNELS:
            raise ControlError(f"unknown channel {filters['channel']!r}: one of {sorted(CHANNELS)}")
        return json_response([message_view(m) for m in platform.messages(**filters)])

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
    async def clock(call: Call):
        return json_response({"now": iso(platform.now()), "offset_seconds": platform.clock.offset.total_seconds()})

    async def advance(call: Call):
        data = await call.body()
        seconds = _seconds(data.get("seconds"), "seconds", MAX_ADVANCE)
        now = platform.advance(seconds)
        await platform.outbox.flush()
        return json_response({"now": iso(now)})

    # --- incoming ---
    async def list_incoming(call: Call):
        login, channel = call.query.get("login"), call.query.get("channel")
        items = [m for m in platform.store.incoming()
                 if (not login or m.login == login) and (not channel or m.channel == channel)]
        return json_response([incoming_view(m) for m in items])

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
            filters = {k: call.query.get(k) for k in SUBMISSION_FILTERS}
            if transport:
                filters["transport"] = transport
            if "id" in call.params:
                found = platform.submissions(**filters, id=call.params["id"])
                if not found:
                    raise ControlError(f"no submission {call.params['id']!r}", 404)
                return json_response(submission_view(found[0]))
            return json_response([submission_view(s) for s in platform.submissions(**filters)])
        return handler

    # --- rules ---
    async def list_rules(call: Call):
        return json_response([r.to_dict() for r in platform.scenarios.rules()])

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
        wanted = {k: call.query.get(k) for k in CALLBACK_FILTERS if call.query.get(k)}
        items = [c for c in platform.outbox.callbacks()
                 if all(str(getattr(c, k)) == v for k, v in wanted.items())]
        return json_response([callback_view(c) for c in items])

    for method, pattern, handler, summary in (
        ("GET", "/health", health, "health, version and ports"),
        ("POST", "/reset", reset, "forget everything, restore fixtures, clock back to real time"),
        ("GET", "/accounts", list_accounts, "the accounts"),
        ("POST", "/accounts", put_account, "create or replace an account"),
        ("GET", "/accounts/{login}", get_account, "one account"),
        ("GET", "/messages", list_messages, "every message of every channel, filterable"),
        ("GET", "/messages/{id}", get_message, "one message with its history and plan"),
        ("POST", "/messages/{id}/status", steer_message, "give a message a status now or after a delay"),
        ("GET", "/clock", clock, "the virtual clock"),
        ("POST", "/clock/advance", advance, "move the clock forward and run what fell due"),
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
