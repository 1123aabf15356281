"""`POST /Send.ashx` and `POST /Statistics.ashx` (xml-api.md): parse the package, authenticate
it once, answer each `<message>` and `<status>` section in document order, one `<msg>` per
request `<msg>`. Both endpoints process both section types (§5.2 item 5)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from aiohttp import web

from devino_mock.core import errors
from devino_mock.core.channels import sms
from devino_mock.core.records import Message
from devino_mock.core.numbers import normalize
from devino_mock.core.platform import ByLogin, Platform, SmsRequest
from devino_mock.core.text import segment
from devino_mock.protocols.slicing import Slices
from devino_mock.protocols.values import DateOutOfRange, parse_datetime
from devino_mock.protocols.xmlapi import codes
from devino_mock.protocols.per_account import PerAccount
from devino_mock.protocols.xmlapi.options import AccountOptions, xml_options
from devino_mock.protocols.xmlapi.document import (
    NotADocument, attributes, children, name, parse, render, render_error, text_of,
)
from devino_mock.web import Router

log = logging.getLogger("devino_mock.xmlapi")
HEADERS = {"Content-Type": "text/xml; charset=utf-8"}
SERVICE_ZONE = timezone(timedelta(hours=3), "MSK")  # naive dates and date_completed (§5.8)
MAX_STATUS_IDS = 1000  # "Максимальное количество ID в запросе 1000" (§3)
STATUS_DAYS = 3  # "за последние 3 календарных дня" (§3)
MAX_SENDER, MAX_RECIPIENT, MAX_URL = 11, 21, 100  # varchar(11), varchar(21), varchar(100) (§2.1)
MESSAGE_TYPES = {0: "sms", 1: "flash", 2: "wap-push"}
# Not documented (xml-api.md gives no send limit); suggested: no client needs more in one
# package, and a package of 300,000 <msg> is refused before it costs seconds of parsing.
MAX_SEND_MSGS = 10_000
PARSE_OFF_LOOP_BYTES = 256 * 1024
RENDER_OFF_LOOP_ITEMS = 1_000  # answers built in a thread above this many
PACKAGE_ATTRIBUTES = frozenset({"login", "password"})
MSG_ATTRIBUTES = frozenset({"id", "sender", "recipient", "type", "url", "date_beg", "date_end"})
STATUS_ATTRIBUTES = frozenset({"id", "sms_id"})


class MessageRejected(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _integer(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def _instant(text: str | None) -> datetime | None:
    """An ISO 8601 date (seconds optional); naive ones are Moscow time. Unreadable or out of
    the platform's range (values.EARLIEST..LATEST, offsets beyond ±14:00): ERR_UNKNOWN, the
    code §5.3 gives a bad attribute that has no code of its own."""
    if text is None or not text.strip():
        return None
    try:
        value = parse_datetime(text)
    except DateOutOfRange:
        value = None
    if value is None:
        raise MessageRejected(codes.ERR_UNKNOWN)
    return value.replace(tzinfo=SERVICE_ZONE) if value.tzinfo is None else value


@dataclass
class Prepared:
    """One `<msg>` of a send section after validation: its reply attributes and either the
    request to send or the code it was refused with."""

    reply: dict[str, str]
    text: str
    request: SmsRequest | None = None
    code: int | None = None


def too_many_elements(body: bytes) -> bool:
    """More elements than the largest acceptable package: every element costs at least one
    `<` (XML text cannot hold a bare one), so counting them bounds the work before parsing."""
    return body.count(b"<") > 2 * (MAX_SEND_MSGS + MAX_STATUS_IDS) + 64


class XmlApi:
    def __init__(self, platform: Platform, options: PerAccount[AccountOptions] | None = None) -> None:
        self.platform = platform
        self.options = options or xml_options(platform)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read() if request.method == "POST" else b""
        try:
            payload = await self.answer(body)
        except Exception:
            log.exception("XML API %s failed", request.path)
            payload = render_error(codes.DOC_UNKNOWN)
        return web.Response(body=payload, headers=HEADERS)

    async def answer(self, body: bytes) -> bytes:
        if too_many_elements(body):
            log.info("XML API request refused: more than %d messages", MAX_SEND_MSGS)
            return render_error(codes.DOC_FORMAT)
        try:
            # libxml2 parses without the GIL: a big document does not stall the loop.
            root = await asyncio.to_thread(parse, body) if len(body) > PARSE_OFF_LOOP_BYTES else parse(body)
        except NotADocument as exc:
            log.debug("XML API request refused: %s", exc)
            return render_error(codes.DOC_FORMAT)
        package = attributes(root, PACKAGE_ATTRIBUTES)
        try:
            self.platform.authenticate(package.get("login"), package.get("password"))
        except errors.PlatformError:
            return render_error(codes.DOC_AUTHORIZATION)
        credentials = ByLogin(package.get("login"), package.get("password"))
        sections = [(name(s), s) for s in children(root) if name(s) in ("message", "status")]
        if any(kind == "status" and len(children(s, "msg")) > MAX_STATUS_IDS for kind, s in sections):
            return render_error(codes.DOC_FORMAT)
        if sum(len(children(s, "msg")) for kind, s in sections if kind == "message") > MAX_SEND_MSGS:
            return render_error(codes.DOC_FORMAT)
        # Every <msg> of every send section is validated before any is sent, so nothing after
        # the first send can fail in a way that hides an id the client was charged for.
        prepared: dict[int, list[Prepared]] = {}
        for index, (kind, section) in enumerate(sections):
            if kind == "message":
                prepared[index] = await self._prepare_section(credentials, section)
        answered = []
        for index, (kind, section) in enumerate(sections):
            if kind == "message":
                answered.append(("message", await self._send_prepared(credentials, prepared[index])))
            else:
                answered.append(("status", self._status_section(credentials, section)))
        if sum(len(items) for _, items in answered) > RENDER_OFF_LOOP_ITEMS:
            # Building 10,000 answers takes ~25 ms in one go: in a thread, the loop gets its
            # turn every switch interval meanwhile.
            return await asyncio.to_thread(render, answered)
        return render(answered)

    # --- Send (§2) ------------------------------------------------------------------------

    async def _prepare_section(self, credentials: ByLogin, section) -> list[Prepared]:
        defaults: dict[str, str] = {}
        for element in children(section, "default"):
            defaults = {**attributes(element, MSG_ATTRIBUTES), **defaults}
        options = self.options.of(credentials.login)
        # With unique_ids (xml-api.md X1): the client ids this account has used, this package's included.
        used = set(self._client_ids(credentials.login)) if options.unique_ids else None
        out = []
        slices = Slices()
        for element in children(section, "msg"):
            await slices.pause()
            merged = {**defaults, **attributes(element, MSG_ATTRIBUTES)}
            item = Prepared({}, text_of(element))
            if merged.get("id", "").strip():
                item.reply["id"] = merged["id"].strip()
            try:
                item.request = self._request(merged, item.text, used)
                self.platform.check(credentials, item.request)
                if used is not None and merged.get("id", "").strip():
                    used.add(int(merged["id"].strip()))
            except MessageRejected as exc:
                item.code = exc.code
            except errors.PlatformError as exc:
                item.code = codes.send_error_code(exc)
            except Exception:
                log.exception("XML API check of msg %s failed", item.reply.get("id", "?"))
                item.code = codes.ERR_UNKNOWN
            out.append(item)
        return out

    async def _send_prepared(self, credentials: ByLogin, items: list[Prepared]) -> list[tuple[dict[str, str], str]]:
        out = []
        slices = Slices()
        for item in items:
            await slices.pause()
            if item.code is None and item.request is not None:
                try:
                    [message] = self.platform.send(credentials, item.request)
                except errors.PlatformError as exc:
                    # Checked a moment ago; an earlier <msg> of this package may have used the balance.
                    item.code = codes.send_error_code(exc)
                except Exception:
                    log.exception("XML API send of msg %s failed", item.reply.get("id", "?"))
                    item.code = codes.ERR_UNKNOWN
                else:
                    status = self._xml_status(message)
                    if status == codes.ACCEPTED:  # xml-api.md X2: some accounts are answered 1
                        status = self.options.of(credentials.login).success_code
                    out.append(({**item.reply, "sms_id": message.id, "sms_count": str(message.segments)},
                                str(status)))
                    continue
            count = segment(item.text).count if item.text else 1
            out.append(({**item.reply, "sms_id": "0", "sms_count": str(count)}, str(item.code)))
        return out

    def _request(self, attrs: dict[str, str], text: str, used_ids: set[int] | None = None) -> SmsRequest:
        """The §5.3 order: id, sender, recipient, text, type/url; then the platform decides
        account, billing and everything the other APIs share. `used_ids`: the account's client
        ids when the uniqueness check is on (§5.3 item 2)."""
        client_id = attrs.get("id", "").strip()
        if client_id and _integer(client_id) is None:
            raise MessageRejected(codes.ERR_ID)
        if client_id and used_ids is not None and int(client_id) in used_ids:
            raise MessageRejected(codes.ERR_ID)
        sender = (attrs.get("sender") or "").strip()
        if not sender or len(sender) > MAX_SENDER:
            raise MessageRejected(codes.ERR_SENDER)
        recipient = (attrs.get("recipient") or "").strip()
        if not recipient or len(recipient) > MAX_RECIPIENT or normalize(recipient) is None:
            raise MessageRejected(codes.ERR_RECIPIENT)
        if not text.strip():
            raise MessageRejected(codes.ERR_LENGTH)
        kind = _integer(attrs.get("type")) if (attrs.get("type") or "").strip() else 0
        url = (attrs.get("url") or "").strip()
        if kind not in MESSAGE_TYPES or (kind == 2 and not url) or len(url) > MAX_URL:
            raise MessageRejected(codes.ERR_UNKNOWN)
        begin = _instant(attrs.get("date_beg"))
        end = _instant(attrs.get("date_end"))
        validity = None
        if end is not None:
            start = max(begin or self.platform.now(), self.platform.now())
            # Whatever is not sent by date_end is never sent: a past date_end expires at once.
            validity = max((end - start).total_seconds() / 60, 1e-6)
        extra: dict = {"xml_type": MESSAGE_TYPES[kind]}
        if client_id:
            extra["client_id"] = int(client_id)
        if url:
            extra["url"] = url
        return SmsRequest(source=sender, destinations=[recipient], text=text, transport="xml",
                          send_at=begin, validity_minutes=validity, extra=extra)  # type: ignore[arg-type]

    def _xml_status(self, message: Message) -> int:
        if message.status == "queued" and message.send_at > self.platform.now():
            return codes.SCHEDULED
        return codes.SMS_STATUS_TO_XML.get(sms.code(message.status), codes.UNKNOWN)  # type: ignore[arg-type]

    # --- Statistics (§3) ------------------------------------------------------------------

    def _status_section(self, credentials: ByLogin, section) -> list[tuple[dict[str, str], str]]:
        try:
            account = self.platform.resolve(credentials)
        except errors.Forbidden:
            account = None
        by_client_id: dict[int, Message] | None = None
        out = []
        for element in children(section, "msg"):
            attrs = attributes(element, STATUS_ATTRIBUTES)
            reply: dict[str, str] = {}
            if attrs.get("id", "").strip():
                reply["id"] = attrs["id"].strip()
            if account is None:
                out.append(({**reply, "sms_id": "0"}, str(codes.ERR_USER_DISABLE)))
                continue
            message = None
            sms_id, client_id = _integer(attrs.get("sms_id")), _integer(attrs.get("id"))
            if sms_id is not None:
                message = self.platform.message(str(sms_id))
            elif client_id is not None:
                if by_client_id is None:
                    by_client_id = self._client_ids(account.login)
                message = by_client_id.get(client_id)
            if message is None or not self._visible(message, account.login):
                out.append(({**reply, "sms_id": "0"}, str(codes.ERR_ID)))
                continue
            reply.update(sms_id=message.id, sms_count=str(message.segments))
            if message.final and message.reported_at is not None:
                reply["date_completed"] = message.reported_at.astimezone(SERVICE_ZONE).strftime("%Y-%m-%dT%H:%M:%S")
            out.append((reply, str(self._xml_status(message))))
        return out

    def _client_ids(self, login: str) -> dict[int, Message]:
        """Client id -> the most recent message of this account that carried it."""
        found: dict[int, Message] = {}
        for message in self.platform.messages(login=login, channel="sms"):
            client_id = message.extra.get("client_id")
            if client_id is not None:
                found[client_id] = message
        return found

    def _visible(self, message: Message, login: str) -> bool:
        if message.login != login or message.channel != "sms":
            return False
        today = self.platform.now().astimezone(SERVICE_ZONE).date()
        return (today - message.created_at.astimezone(SERVICE_ZONE).date()).days < STATUS_DAYS


def register(router: Router, platform: Platform) -> None:
    options = xml_options(platform)
    api = XmlApi(platform, options)
    router.add("/Send.ashx", api.handle)
    router.add("/Statistics.ashx", api.handle)
    options.register(router, "/_mock/xml/accounts")
