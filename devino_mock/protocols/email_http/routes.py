"""The e-mail HTTP API (email-http.md E1–E18) under `/email/v1` and `/email/v2`: a (method,
path) table whose handlers read the body, call one core operation and render the envelope."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Awaitable, Callable

from aiohttp import web

from devino_mock.core import errors
from devino_mock.core.channels import EMAIL
from devino_mock.core.platform import Platform
from devino_mock.core.records import Message
from devino_mock.core.services import campaigns as svc
from devino_mock.protocols.email_http import codes
from devino_mock.protocols.email_http.ids import message_id, numeric_id
from devino_mock.protocols.integrationapi import (
    ApiError, Envelope, Fields, authenticate, enum, flag, integer, items_range, match_route, net_date, parse_date,
    read_body, strip_nulls,
)
from devino_mock.web import Router

log = logging.getLogger("devino_mock.email_http")
MAX_STATUS_IDS = 150  # per E18
MAX_TEXT_FIELD = 1000  # names, subjects' companions: anything but the letter itself
STATE_NAMES = tuple(s.name for s in EMAIL.statuses)


@dataclass
class Call:
    request: web.Request
    login: str
    params: list[str]

    async def body(self) -> Fields:
        return await read_body(self.request)


Handler = Callable[["EmailApi", Call], Awaitable[web.Response]]
ROUTES: list[tuple[str, tuple[str, ...], str, str]] = []  # method, pattern, handler name, operation
ALIASES = {"senderaddresses": "sourceaddresses"}  # how third-party v1 clients name a part (§7.1 item 3)


def route(method: str, path: str, operation: str):
    def mark(fn):
        ROUTES.append((method, tuple(p.casefold() for p in path.split("/") if p), fn.__name__, operation))
        return fn
    return mark


def _letter(body: Fields, text_is_html: bool = True) -> svc.Letter:
    sender = body.obj("Sender")
    content = body.obj("Body")
    html = content.text("Html")
    plain = content.text("PlainText")
    text = body.text("Text")
    if html is None and text is not None:
        html = text if text_is_html else None
        plain = plain if text_is_html else text
    return svc.Letter(sender.text("Address", "Email"), sender.text("Name", most=MAX_TEXT_FIELD),
                      body.text("Subject"), html, plain)


def _date(body: Fields, name: str):
    try:
        return parse_date(body.get(name))
    except ValueError:
        raise ApiError(400, "invalid_value", field=name) from None


def _pairs(body: Fields, name: str) -> list[tuple[int, bool]]:
    out = []
    for item in body.items(name):
        fields = Fields(item)
        ident = integer(fields.get("Id"))
        try:
            included = flag(fields.get("Included"))
        except ValueError:
            raise ApiError(400, "invalid_value", field=name) from None
        if ident is None:
            raise ApiError(400, "invalid_value", field=name)
        out.append((ident, True if included is None else included))
    return out


def _draft(body: Fields) -> svc.TaskDraft:
    raw_type = body.get("Type")
    task_type = 1 if raw_type in (None, "") else integer(raw_type)
    if task_type is None and isinstance(raw_type, str):
        named = enum(raw_type, svc.TASK_TYPES)
        task_type = next((n for n, t in svc.TASK_TYPES.items() if t == named), 0)
    try:
        duplicates = flag(body.get("SendDuplicates")) or False
    except ValueError:
        raise ApiError(400, "invalid_value", field="SendDuplicates") from None
    resend = body.get("SmsResendTask")
    return svc.TaskDraft(
        name=body.text("Name", most=MAX_TEXT_FIELD), letter=_letter(body), type=task_type,
        start_at=_date(body, "StartDateTime"), end_at=_date(body, "EndDateTime"),
        user_campaign_id=body.text("UserCampaignId", most=MAX_TEXT_FIELD),
        contacts=_pairs(body, "Contacts"), groups=_pairs(body, "ContactGroups"),
        template_id=body.text("TemplateId", most=MAX_TEXT_FIELD), send_duplicates=duplicates,
        sms_resend=resend if isinstance(resend, dict) else None)


def _sender(letter: svc.Letter) -> dict:
    return strip_nulls({"Address": letter.sender_address, "Name": letter.sender_name})  # {} when empty (§7.1 item 8)


def _body(letter: svc.Letter) -> dict:
    return strip_nulls({"Html": letter.html, "PlainText": letter.plain})


def _template(template: svc.Template, merge_fields: bool = False) -> dict:
    view = strip_nulls({"TemplateId": template.id, "Name": template.name, "Sender": _sender(template.letter),
                        "Subject": template.letter.subject, "Body": _body(template.letter),
                        "UserTemplateId": template.user_template_id})
    if merge_fields:
        view["MergeFields"] = template.merge_fields()
    return view


def _counters(task: svc.Task) -> dict:
    c = task.counters
    return {"TaskId": task.id, "TotalContacts": c["TotalContacts"], "Dublicates": c["Duplicates"],
            "Duplicates": c["Duplicates"], "Unsubscribed": c["Unsubscribed"], "Excluded": c["Excluded"],
            "OverPackage": c["OverPackage"], "SpamScore": _score(c.get("SpamScore", 0))}


def _score(value: float) -> int | float:
    """2.2 as the example shows it; a whole score as the int the table types it as."""
    return int(value) if float(value).is_integer() else value


def _state_view(message: Message) -> dict:
    return strip_nulls({"MessageId": message_id(message), "Email": message.destination, "State": message.status,
                        "RecipientId": message.extra.get("recipient_id")})


class EmailApi:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.campaigns = platform.campaigns
        self.envelope = Envelope(codes.TEXTS)
        self._handlers = [(m, p, getattr(self, n), o) for m, p, n, o in ROUTES]

    async def dispatch(self, request: web.Request) -> web.Response:
        parts = [p for p in request.path.split("/") if p][2:]  # after email/v1|v2
        if parts and parts[0].casefold() == "v2":  # "v2/messages" is written relative to /email/v2
            parts = parts[1:]
        operation = ""
        try:
            (_, _, handler, operation), params = match_route(self._handlers, request.method, parts, ALIASES)
            login = authenticate(self.platform, request)
            return await handler(Call(request, login, params))
        except ApiError as exc:
            return self.envelope.error(request, exc, operation)
        except errors.PlatformError as exc:
            return self.envelope.error(request, codes.from_domain(exc), operation)
        except Exception:  # a bug answers in the API's own envelope, never with a traceback
            log.exception("e-mail API error on %s %s", request.method, request.path_qs)
            return self.envelope.error(request, ApiError(500, "internal_error", "internal_error"), operation)

    def ok(self, call: Call, result: object = None, status: int = 200, description: str = "ok",
           operation: str = "", headers: dict | None = None) -> web.Response:
        return self.envelope.answer(call.request, result, status, description, operation=operation, headers=headers)

    # --- sender addresses (E1–E3) ------------------------------------------------------------

    @route("GET", "UserSettings/SourceAddresses", "GetSourceAddresses")
    async def list_senders(self, call: Call) -> web.Response:
        default = self.campaigns.default_sender(call.login)
        return self.ok(call, [{"SourceAddress": s.address, "State": s.state, "IsDefault": s.address == default}
                              for s in self.campaigns.senders(call.login)], operation="GetSourceAddresses")

    @route("POST", "UserSettings/SourceAddresses", "AddSourceAddress")
    async def add_sender(self, call: Call) -> web.Response:
        body = await call.body()
        self.campaigns.request_sender(call.login, body.text("SenderAddress", "SourceAddress", "Address", most=320))
        return self.ok(call, status=201, operation="AddSourceAddress")

    @route("DELETE", "UserSettings/SourceAddresses/{address}", "DeleteSourceAddress")
    async def delete_sender(self, call: Call) -> web.Response:
        self.campaigns.delete_sender(call.login, call.params[0])
        return self.ok(call, operation="DeleteSourceAddress")

    # --- campaigns (E4–E8) ----------------------------------------------------------------------

    @route("GET", "Tasks", "GetTasks")
    async def list_tasks(self, call: Call) -> web.Response:
        page = items_range(call.request)
        creator = call.request.query.get("CreatorLogin") or call.request.query.get("creatorlogin")
        tasks = [t for t in self.campaigns.tasks(call.login) if not creator or creator == t.login]
        chosen = page.page(tasks)
        return self.ok(call, [self._list_item(t) for t in chosen], operation="GetTasks",
                       headers={"Content-Range": page.content_range(len(tasks))})

    def _list_item(self, task: svc.Task) -> dict:
        d, letter = task.draft, task.draft.letter
        sent = self.campaigns.messages(task.login, task_id=task.id)
        errors_count = sum(1 for m in sent if m.status in ("Bounced", "Rejected"))
        total = task.counters["TotalContacts"]
        state = {svc.CREATED: "Waiting"}.get(task.state, task.state)
        global_state = "Paused" if task.state == svc.STOPPED else task.state
        return strip_nulls({
            "SourceName": letter.sender_name, "Price": float(self._price(task.login)),
            "SendDuplicates": d.send_duplicates,
            "Cancellable": task.state in (svc.NEW, svc.CREATED, svc.STARTED, svc.STOPPED),
            "Deletable": task.state in (svc.NEW, svc.CREATED, svc.STOPPED, svc.CANCELED, svc.FINISHED, svc.FAILED),
            # A birthday campaign's next daily run once it has one; otherwise its start.
            "NextStartDateTime": net_date((d.type == svc.BIRTHDAY and task.next_batch_at) or d.start_at
                                          or task.created_at), "State": state,
            "TotalContacts": total, "CompletedContacts": task.emitted, "ErrorCount": errors_count,
            "IsExecuting": task.state == svc.STARTED, "ServiceType": "Email", "IsSmooth": d.end_at is not None,
            "IsPersonalized": any(k not in svc.RESERVED_MACROS for text in (letter.subject, letter.html, letter.plain)
                                  for k in svc.MACRO_RE.findall(text or "")),
            "ID": task.id, "Name": d.name, "OwnerLogin": task.login, "Type": svc.TASK_TYPES[d.type],
            "Groups": [g for g, included in d.groups if included],
            "IncludedContacts": [c for c, included in d.contacts if included],
            "ExcludedContacts": [c for c, included in d.contacts if not included],
            "ManualContacts": [], "StopList": [], "Text": letter.text, "Subject": letter.subject,
            "MessageValidity": 0, "MessageType": "Email", "TaskMessageType": "11", "DoTransliterate": False,
            "SourceAddress": letter.sender_address, "StartDateTime": net_date(d.start_at),
            "Period": "Daily" if d.type == 2 else "None", "GlobalState": global_state,
            "GlobalStateInfo": {"State": global_state},
            "PercentageCompleted": (100 * task.emitted // total) if total else 0,
            "MessageValidityAsTimeSpan": "1.00:00:00",
        })

    def _price(self, login: str):
        account = self.platform.account(login)
        return account.price_for(None, EMAIL) if account else 0

    @route("GET", "Tasks/{id}", "GetTask")
    async def get_task(self, call: Call) -> web.Response:
        task = self.campaigns.task(call.login, _id(call.params[0], "task"))
        d = task.draft
        return self.ok(call, strip_nulls({
            "TaskId": task.id, "Login": task.login, "Name": d.name, "Sender": _sender(d.letter),
            "Subject": d.letter.subject, "Text": d.letter.text, "StartDateTime": net_date(d.start_at),
            "EndDateTime": net_date(d.end_at), "Type": svc.TASK_TYPES[d.type], "UserCampaignId": d.user_campaign_id or "",
            "Contacts": [{"Id": i, "Included": inc} for i, inc in d.contacts],
            "ContactGroups": [{"Id": i, "Included": inc} for i, inc in d.groups],
            "State": task.state, "Price": float(self._price(task.login)), "CreatorLogin": task.login,
            "SendDuplicates": d.send_duplicates, "SmsResendTask": d.sms_resend, "Counters": _counters(task),
        }), operation="GetTask")

    @route("POST", "Tasks", "AddTask")
    async def add_task(self, call: Call) -> web.Response:
        task = self.campaigns.save_task(call.login, _draft(await call.body()))
        return self.ok(call, _counters(task), 201, self.envelope.describe("new_task", call.request, {}), "AddTask")

    @route("PUT", "Tasks/{id}", "EditTask")
    async def edit_task(self, call: Call) -> web.Response:
        task_id = _id(call.params[0], "task")
        task = self.campaigns.save_task(call.login, _draft(await call.body()), task_id)
        return self.ok(call, _counters(task), operation="EditTask")

    @route("PUT", "Tasks/{id}/State", "SetTaskState")
    async def set_task_state(self, call: Call) -> web.Response:
        task_id = _id(call.params[0], "task")
        body = await call.body()
        raw = body.get("State")
        if raw is None or raw == "":
            raise ApiError(400, "required", field="State")
        state = enum(raw, svc.TASK_STATES)
        if state is None:
            raise ApiError(400, "invalid_value", field="State")
        self.campaigns.set_state(call.login, task_id, state)
        return self.ok(call, operation="SetTaskState")

    # --- templates (E9–E13) ---------------------------------------------------------------------

    @route("GET", "Templates/{id}", "GetTemplate")
    async def get_template(self, call: Call) -> web.Response:
        template = self.campaigns.template(call.login, _id(call.params[0], "template"))
        return self.ok(call, _template(template, merge_fields=True), operation="GetTemplate")

    @route("GET", "Templates", "GetTemplates")
    async def list_templates(self, call: Call) -> web.Response:
        return self.ok(call, [_template(t) for t in self.campaigns.templates(call.login)], operation="GetTemplates")

    @route("POST", "Templates", "AddTemplate")
    async def add_template(self, call: Call) -> web.Response:
        body = await call.body()
        template = self.campaigns.save_template(call.login, body.text("Name", most=MAX_TEXT_FIELD), _letter(body),
                                                body.text("UserTemplateId", most=MAX_TEXT_FIELD))
        return self.ok(call, template.id, 201, operation="AddTemplate")

    @route("PUT", "Templates/{id}", "EditTemplate")
    async def edit_template(self, call: Call) -> web.Response:
        template_id = _id(call.params[0], "template")
        body = await call.body()
        template = self.campaigns.save_template(call.login, body.text("Name", most=MAX_TEXT_FIELD), _letter(body),
                                                body.text("UserTemplateId", most=MAX_TEXT_FIELD), template_id)
        return self.ok(call, _template(template), operation="EditTemplate")

    @route("DELETE", "Templates/{id}", "DeleteTemplate")
    async def delete_template(self, call: Call) -> web.Response:
        self.campaigns.delete_template(call.login, _id(call.params[0], "template"))
        return self.ok(call, operation="DeleteTemplate")

    # --- statistics (E14, E15) ------------------------------------------------------------------

    def _selection(self, call: Call, with_state: bool) -> list[Message]:
        query = Fields(dict(call.request.query))
        task_id = query.text("TaskId")
        start, end = _date(query, "StartDateTime"), _date(query, "EndDateTime")
        if task_id is None and (start is None or end is None):
            raise ApiError(400, "selection_required")
        number = integer(task_id) if task_id is not None else None
        if task_id is not None and number is None:
            raise ApiError(400, "invalid_value", field="TaskId")
        if end is not None and end.hour == end.minute == end.second == 0 and len(query.text("EndDateTime") or "") <= 10:
            end = end.replace(hour=23, minute=59, second=59, microsecond=999999)  # a bare date is the whole day
        state = None
        if with_state and query.text("State"):
            state = enum(query.text("State"), STATE_NAMES)
            if state is None:
                raise ApiError(400, "invalid_value", field="State")
        return self.campaigns.messages(call.login, number, start if start and end else None,
                                       end if start and end else None, state)

    @route("GET", "Statistics", "GetStatistics")
    async def statistics(self, call: Call) -> web.Response:
        counts = {name: 0 for name in STATE_NAMES}
        for message in self._selection(call, with_state=False):
            counts[message.status] += 1
        return self.ok(call, {**counts, "Total": sum(counts.values())}, operation="GetStatistics")

    @route("GET", "Statistics/Messages", "GetMessagesStatistics")
    async def message_statistics(self, call: Call) -> web.Response:
        page = items_range(call.request)
        chosen = self._selection(call, with_state=True)
        return self.ok(call, [{
            "State": m.status, "Price": float(m.price), "Id": int(m.id), "MessageId": message_id(m),
            "DestinationEmail": m.destination, "LastUpdateUtc": net_date(m.last_change),
            "CreatedDateUtc": net_date(m.created_at),
        } for m in page.page(chosen)], operation="GetMessagesStatistics",
            headers={"Content-Range": page.content_range(len(chosen))})

    # --- transactional messages (E16–E18) -------------------------------------------------------

    @route("POST", "Messages", "SendMessages")
    async def send(self, call: Call) -> web.Response:
        body = await call.body()
        if "Recipients" in body or "Recipient" not in body:
            return self._send_v2(call, body)
        return self._send_legacy(call, body)

    def _send_v2(self, call: Call, body: Fields) -> web.Response:
        recipients = []
        for item in body.items("Recipients"):
            fields = Fields(item)
            merge = fields.get("MergeFields")
            recipients.append(svc.Recipient(fields.text("Address", "Email", most=320), fields.text("Name", most=MAX_TEXT_FIELD),
                                            fields.text("RecipientId", most=MAX_TEXT_FIELD),
                                            merge if isinstance(merge, dict) else {}))
        results = self.campaigns.send_messages(call.login, _letter(body, text_is_html=False), recipients,
                                               body.text("TemplateId", most=MAX_TEXT_FIELD),
                                               body.text("UserCampaignId", most=MAX_TEXT_FIELD))
        items = []
        for index, (recipient, result) in enumerate(zip(recipients, results)):
            if isinstance(result, Message):
                items.append({"Index": index, "Address": result.destination, "MessageId": message_id(result),
                              "Code": "ok"})
            else:
                error = codes.from_domain(result)
                items.append(strip_nulls({"Index": index, "Address": recipient.address, "Code": error.code,
                                          "Description": self.envelope.describe(error.key, call.request, error.params)}))
        if not any(isinstance(r, Message) for r in results):
            return self.envelope.answer(call.request, items, 400, items[0].get("Description", "") if items else "",
                                        "validation_error", "SendMessages")
        return self.ok(call, items, 201, operation="SendMessages")

    def _send_legacy(self, call: Call, body: Fields) -> web.Response:
        recipient = body.obj("Recipient")
        [result] = self.campaigns.send_messages(
            call.login, _letter(body, text_is_html=False),
            [svc.Recipient(recipient.text("Address", most=320), recipient.text("Name", most=MAX_TEXT_FIELD))],
            body.text("TemplateId", most=MAX_TEXT_FIELD), body.text("UserCampaignId", most=MAX_TEXT_FIELD),
            body.text("UserMessageId", most=MAX_TEXT_FIELD))
        if not isinstance(result, Message):
            raise result
        return self.ok(call, message_id(result), 201, self.envelope.describe("queued", call.request, {}),
                       "SendMessage")

    @route("GET", "Messages/{ids}", "GetMessagesState")
    async def states(self, call: Call) -> web.Response:
        wanted = list(dict.fromkeys(p.strip() for p in call.params[0].split(",") if p.strip()))
        if len(wanted) > MAX_STATUS_IDS:
            raise ApiError(400, "too_many_ids")
        self.platform.tick()
        found: dict[str, Message] = {}
        for raw in wanted:
            number = numeric_id(raw)
            message = self.platform.store.message(number) if number else None
            if message is not None and message.login == call.login and message.channel == "email":
                found.setdefault(message.id, message)
        return self.ok(call, [_state_view(m) for m in found.values()], operation="GetMessagesState")


def _id(raw: str, entity: str) -> int:
    number = integer(raw)
    if number is None:
        raise ApiError(404, "not_found", entity=entity)
    return number


def register(router: Router, platform: Platform) -> None:
    api = EmailApi(platform)
    for version in ("/email/v1", "/email/v2"):
        router.add_prefix(version, api.dispatch)
        router.add(version, api.dispatch)
