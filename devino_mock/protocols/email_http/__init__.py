"""The e-mail HTTP API (email-http.md): sender addresses, campaigns, templates, statistics,
transactional messages under `/email/v1` and `/email/v2`, and the `email` callbacks."""

from __future__ import annotations

from devino_mock.control.table import Call, ControlError, ControlTable, json_response
from devino_mock.control.views import iso, message_view
from devino_mock.core import errors
from devino_mock.core.channels import EMAIL
from devino_mock.core.events import RecipientAction, StatusChanged
from devino_mock.core.platform import Platform
from devino_mock.protocols.email_http import routes
from devino_mock.protocols.email_http.callbacks import EmailCallbacks
from devino_mock.protocols.email_http.ids import numeric_id
from devino_mock.web import Router

# What a control call may say happened to a mail: a status, or a recipient's action.
STATUS_EVENTS = {"SENT": "Sent", "DELIVERED": "Delivered", "OPENED": "Read", "CLICKED": "Clicked",
                 "BOUNCED": "Bounced", "REJECTED": "Rejected"}
ACTIONS = {"UNSUBSCRIBED": "unsubscribed", "SUBSCRIBED": "subscribed", "COMPLAINED": "complained"}
MAX_URL = 2048
SENDER_DECISIONS = {"approve": 1, 1: 1, "reject": 2, 2: 2}


def register(router: Router, platform: Platform) -> None:
    routes.register(router, platform)
    platform.subscribe(EmailCallbacks(platform).on_event, StatusChanged, RecipientAction, channels=("email",))


def control(table: ControlTable, emulator) -> None:
    platform: Platform = emulator.platform

    async def message_event(call: Call):
        """Force an e-mail event (email-http.md §7.6): the status changes (or the recipient's
        action is recorded) and the callback goes out as for a real one."""
        body = await call.body()
        event = str(body.get("event") or "").strip().upper()
        number = numeric_id(call.params["id"]) or call.params["id"]
        message = platform.message(number)
        if message is None or message.channel != "email":
            raise ControlError(f"no e-mail {call.params['id']!r}", 404)
        url, reason = body.get("url"), body.get("reason", body.get("error"))
        if url is not None and (not isinstance(url, str) or len(url) > MAX_URL):
            raise ControlError(f"'url' must be a string of at most {MAX_URL} characters")
        if event in STATUS_EVENTS:
            error = None
            if reason is not None:
                try:
                    error = EMAIL.parse_error(reason)
                except ValueError as exc:
                    raise ControlError(str(exc)) from None
            if url:
                message.extra["clicked_url"] = url
            platform.set_status(message.id, STATUS_EVENTS[event], 0, error)
        elif event in ACTIONS:
            if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
                raise ControlError("'reason' must be a string of at most 500 characters")
            platform.recipient_action(message.id, ACTIONS[event], {"reason": reason} if reason else {})
        else:
            raise ControlError(f"unknown 'event' {body.get('event')!r}: one of {sorted(STATUS_EVENTS) + sorted(ACTIONS)}")
        return json_response(message_view(platform.message(message.id)))

    async def unsubscribe(call: Call):
        body = await call.body()
        login, email = body.get("login"), body.get("email")
        if not isinstance(login, str) or platform.account(login) is None:
            raise ControlError(f"no account {login!r}", 404)
        if not isinstance(email, str) or "@" not in email or len(email) > 254:
            raise ControlError("'email' must be an e-mail address")
        reason, task_id = body.get("reason"), body.get("task_id", 0)
        if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
            raise ControlError("'reason' must be a string of at most 500 characters")
        if isinstance(task_id, bool) or not isinstance(task_id, int) or not 0 <= task_id < 2**31:
            raise ControlError("'task_id' must be a campaign number")
        entry = platform.addressbook.unsubscribe(login, email.strip(), reason, task_id)
        return json_response({"login": entry.login, "email": entry.email, "reason": entry.reason,
                              "task_id": entry.task_id}, status=201)

    async def decide_sender(call: Call):
        """The manager approves or rejects a requested sender address (email-http.md §7.6)."""
        body = await call.body()
        login, address, state = body.get("login"), body.get("address"), body.get("state")
        if not isinstance(login, str) or platform.account(login) is None:
            raise ControlError(f"no account {login!r}", 404)
        if not isinstance(address, str) or not address.strip() or len(address) > 254:
            raise ControlError("'address' must be an e-mail address")
        decided = SENDER_DECISIONS.get(state.strip().casefold() if isinstance(state, str) else state)
        if decided is None or isinstance(state, bool):
            raise ControlError("'state' must be \"approve\" (1) or \"reject\" (2)")
        try:
            record = platform.campaigns.decide_sender(login, address, decided)
        except errors.NotFound:
            raise ControlError(f"no sender address {address!r} of {login!r}", 404) from None
        return json_response({"login": record.login, "address": record.address, "state": record.state,
                              "approved_at": iso(record.approved_at)})

    table.add("POST", "/email/senders", decide_sender, "approve or reject a requested e-mail sender address")
    table.add("POST", "/email/messages/{id}/events", message_event,
              "force an e-mail event: SENT DELIVERED OPENED CLICKED BOUNCED REJECTED UNSUBSCRIBED SUBSCRIBED COMPLAINED")
    table.add("POST", "/addressbook/unsubscribed", unsubscribe, "put an address on an account's unsubscribed list")


__all__ = ["control", "register"]
