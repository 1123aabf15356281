"""The SMSC: binds against the platform's accounts, submits into the platform (transport
`smpp`, the same validation, charging, ids and status machine as REST), query_sm, and the
receipts and MO messages the platform's events produce."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from devino_mock.core import errors
from devino_mock.core.events import Event, IncomingReceived, StatusChanged
from devino_mock.core.channels import SMS, sms
from devino_mock.core.records import Message
from devino_mock.core.platform import ByAccount, Platform, SmsRequest
from devino_mock.protocols.per_account import PerAccount
from devino_mock.protocols.smpp import receipts, submit, times
from devino_mock.protocols.smpp import status as st
from devino_mock.protocols.smpp.coding import BINARY, alphabet, decode_parts, encode_outgoing, split_binary
from devino_mock.protocols.smpp.delivery import Delivery, Dispatcher
from devino_mock.protocols.smpp.reassembly import Part, PendingMessage, Reassembler
from devino_mock.protocols.smpp.session import RECEIVERS, SmppSession
from devino_mock.protocols.smpp.status import SmppError
from devino_mock.protocols.smpp.options import AccountOptions, smpp_options
from devino_mock.protocols.smpp.throttle import TokenBucket

if TYPE_CHECKING:
    from devino_mock.config import Settings

log = logging.getLogger("devino_mock.smpp")
SYSTEM_ID = "DEVINO"
TRANSPORT = "smpp"
DEFAULT_VALIDITY = timedelta(hours=24)  # smpp.md §17.2
REASSEMBLY_TIMEOUT = timedelta(minutes=10)  # virtual time a long message waits for missing parts
SMPP_PASSWORD_MAX = 8  # octets; clients such as smpplib cut longer passwords (smpp.md §17.3)


class Smsc:
    system_id = SYSTEM_ID

    def __init__(self, platform: Platform, settings: Settings, options: PerAccount[AccountOptions] | None = None) -> None:
        self.platform = platform
        self.settings = settings
        self.watch = None  # the emulator's faults and request journal (control/watch.py), when served
        self.options = options or smpp_options(platform)
        self._account_throttles: dict[str, TokenBucket] = {}  # per-account rates (options.throttle)
        self.loop = asyncio.get_running_loop()
        self.sessions: dict[str, list[SmppSession]] = {}
        self.connections: set[SmppSession] = set()
        self.reassembler = Reassembler()
        self._expired: list[PendingMessage] = []
        self._expiring = False
        self.dispatcher = Dispatcher(platform, self.receivers, self.loop.call_soon_threadsafe,
                                     settings.smpp_deliver_timeout)
        self._mo_references = itertools.count(1)
        self._unsubscribe = platform.subscribe(self.on_event, StatusChanged, IncomingReceived, channels=("sms",))

    def close(self) -> None:
        self._unsubscribe()
        for session in list(self.connections):
            session.close()

    def reset(self) -> None:
        """POST /_mock/reset: queued receipts and MO, unanswered deliveries and half-arrived
        long messages are forgotten. Bound sessions stay bound."""
        self.dispatcher.clear()
        self.reassembler.clear()
        self._account_throttles.clear()
        for session in self.connections:
            session.outstanding.clear()

    def forget_login(self, login: str) -> None:
        """POST /_mock/reset {"login": L}: what reset forgets, of one account only (its
        options are in the store, forgotten with the rest of it)."""
        self.dispatcher.forget_login(login)
        self.reassembler.forget_login(login)
        self._account_throttles.pop(login, None)
        for session in self.sessions.get(login, ()):
            session.outstanding.clear()

    def connect(self) -> SmppSession:
        """The protocol for a new TCP connection."""
        session = SmppSession(self)
        self.connections.add(session)
        return session

    def new_throttle(self) -> TokenBucket:
        return TokenBucket(self.settings.smpp_throttle, self.platform.clock)

    def account_token(self, login: str | None) -> bool:
        """One submit from the account's own rate, if support set one (shared by its sessions)."""
        rate = self.options.of(login).throttle
        if rate <= 0 or login is None:
            return True
        bucket = self._account_throttles.get(login)
        if bucket is None or bucket.rate != rate:
            bucket = self._account_throttles[login] = TokenBucket(rate, self.platform.clock)
        return bucket.take()

    # --- sessions ------------------------------------------------------------------

    def bind(self, session: SmppSession, params: dict, receives: bool) -> str:
        login = _field(params.get("system_id"))
        password = _field(params.get("password"))
        account = self.platform.account(login) if login else None
        if account is None:
            raise SmppError(st.ESME_RINVSYSID, f"unknown system_id {login!r}")
        try:
            self.platform.authenticate(login, password)
        except errors.PlatformError:
            cut = len(password) == SMPP_PASSWORD_MAX and account.password[:SMPP_PASSWORD_MAX] == password
            if not cut:
                raise SmppError(st.ESME_RINVPASWD, f"wrong password for {login!r}") from None
        if not account.enabled:
            raise SmppError(st.ESME_RBINDFAIL, f"{login!r} is disabled")
        options = self.options.of(login)
        if not options.enabled:
            raise SmppError(st.ESME_RBINDFAIL, f"SMPP is not enabled for {login!r}")
        bound = self.sessions.setdefault(login, [])
        if len(bound) >= (options.max_sessions or self.settings.smpp_max_sessions):
            raise SmppError(st.ESME_RBINDFAIL, f"{login!r} has {len(bound)} sessions")
        bound.append(session)
        return login

    def unregister(self, session: SmppSession) -> None:
        """The session no longer counts as bound (unbinding or closed)."""
        bound = self.sessions.get(session.login or "")
        if bound and session in bound:
            bound.remove(session)

    def forget(self, session: SmppSession) -> None:
        self.unregister(session)
        self.connections.discard(session)

    def receivers(self, login: str) -> list[SmppSession]:
        return [s for s in self.sessions.get(login, ()) if s.state in RECEIVERS]

    # --- submit_sm / data_sm -------------------------------------------------------

    def submit(self, session: SmppSession, params: dict, data_sm: bool) -> str:
        """The message_id for this submit, or SmppError."""
        assert session.login is not None
        now = self.platform.now()
        message = submit.read(params, now, data_sm)
        credentials = ByAccount(session.login)
        try:
            if message.concat is None or message.concat.total == 1:
                return self._submit_whole(credentials, message, now)
            return self._submit_part(credentials, session.login, message, now, session)
        except errors.PlatformError as exc:
            raise SmppError(st.status_for(exc), str(exc)) from None

    def _request(self, message: submit.ShortMessage, now: datetime, text: str, details: dict,
                 parts: tuple[str, ...] | None = None, ids: list[str] | None = None) -> SmsRequest:
        start = max(message.send_at or now, now)
        validity = (message.expires_at - start) if message.expires_at else DEFAULT_VALIDITY
        return SmsRequest(
            source=message.source, destinations=[message.destination], text=text, transport=TRANSPORT,
            send_at=message.send_at, validity_minutes=max(1, math.ceil(validity.total_seconds() / 60)),
            extra={"smpp": {**message.transport_details(), **details}}, parts=parts, ids=ids,
        )

    def _submit_whole(self, credentials: ByAccount, message: submit.ShortMessage, now: datetime) -> str:
        decoded = decode_parts(split_binary(message.user_data) if _is_binary(message) else [message.user_data],
                               message.data_coding)
        method = "payload" if message.via_payload else "single"
        details = {"method": method, "registered_delivery": [message.receipt_mode],
                   **({"binary": True} if decoded.binary else {})}
        request = self._request(message, now, decoded.text, details, parts=tuple(decoded.parts) if decoded.binary else None)
        accepted = self.platform.send(credentials, request)
        return accepted[0].id

    def _submit_part(self, credentials: ByAccount, login: str, message: submit.ShortMessage, now: datetime,
                     session: SmppSession) -> str:
        concat = message.concat
        assert concat is not None
        key = self.reassembler.key(login, message.source, message.destination, concat)
        pending = self.reassembler.get(key)
        if pending is None:
            # The first part to arrive is checked as the whole message will be (sender,
            # destination, balance for every declared segment, rules) before it gets an id.
            text = decode_parts([message.user_data], message.data_coding).text
            self.platform.check(credentials, self._request(message, now, text, {}, parts=(text,) * concat.total))
            full = self.reassembler.room_for(login, session)
            if full:
                # ESME_RMSGQFUL ("Message Queue Full", smpp.md §10) is the documented status for
                # "the SMSC holds too much of yours, retry later": the client moves the part to
                # the end of its queue and retries with pauses, by when messages have completed
                # or expired. ESME_RTHROTTLED would wrongly say it sends too fast.
                raise SmppError(st.ESME_RMSGQFUL, full)
            pending = self.reassembler.start(key, self.platform.reserve_ids(concat.total), now, {"message": message},
                                             owner=session)
            self.platform.scheduler.at(now + REASSEMBLY_TIMEOUT, lambda p=pending: self._expire(p))
        pending.parts[concat.sequence] = Part(message.user_data, message.data_coding, message.receipt_mode)
        segment_id = pending.id_for(concat.sequence)
        if pending.complete:
            self._commit(credentials, pending)  # a refusal now goes back with the last part
        return segment_id

    def _commit(self, credentials: ByAccount, pending: PendingMessage) -> Message:
        self.reassembler.pop(pending)
        first: submit.ShortMessage = pending.template["message"]
        numbers = sorted(pending.parts)
        decoded = decode_parts([pending.parts[n].payload for n in numbers], pending.parts[numbers[0]].data_coding)
        details = {
            "method": pending.key.method, "reference": pending.key.reference,
            "registered_delivery": [pending.parts[n].receipt_mode for n in numbers],
            **({"binary": True} if decoded.binary else {}),
            **({"parts_expected": pending.key.total, "parts_missing": sorted(set(range(1, pending.key.total + 1)) - set(numbers))}
               if not pending.complete else {}),
        }
        request = self._request(first, pending.started_at, decoded.text, details, parts=tuple(decoded.parts),
                                ids=[pending.id_for(n) for n in numbers])
        return self.platform.send(credentials, request)[0]

    def _expire(self, pending: PendingMessage) -> None:
        """Parts still missing after the reassembly timeout: what did arrive is sent as is.
        send_sms ticks the scheduler, which runs the next due expiry inside this one: nested
        calls only queue theirs and the outermost sends them all, so hundreds of expiries
        due at once cannot exhaust the stack."""
        self._expired.append(pending)
        if self._expiring:
            return
        self._expiring = True
        try:
            while self._expired:
                due = self._expired.pop(0)
                if self.reassembler.get(due.key) is not due:
                    continue
                try:
                    self._commit(ByAccount(due.key.login), due)
                except errors.PlatformError as exc:
                    log.warning("SMPP incomplete message %s of %s refused: %s", due.ids[0], due.key.login, exc)
        finally:
            self._expiring = False

    # --- query_sm ------------------------------------------------------------------

    def query(self, session: SmppSession, params: dict) -> dict:
        message_id = _field(params.get("message_id"))
        if not message_id:
            raise SmppError(st.ESME_RINVMSGID, "empty message_id")
        pending = self.reassembler.holding(message_id)
        if pending is not None and pending.key.login == session.login:
            return {"message_id": message_id, "final_date": "", "message_state": receipts.ENROUTE, "error_code": 0}
        try:
            message, _ = self.platform.sms_status(ByAccount(session.login or ""), message_id)
        except errors.PlatformError as exc:
            raise SmppError(st.ESME_RQUERYFAIL, str(exc)) from None
        if message is None:
            raise SmppError(st.ESME_RQUERYFAIL, f"no message {message_id}")
        final = message.final and message.reported_at is not None
        return {
            "message_id": message_id,
            "final_date": times.absolute(message.reported_at) if final else "",
            "message_state": receipts.message_state(sms.code(message.status)) if final else receipts.ENROUTE,
            "error_code": receipts.error_code(sms.code(message.status)) if final else 0,
        }

    # --- receipts and MO -----------------------------------------------------------

    def on_event(self, event: Event) -> None:
        # Runs inside whatever platform call caused the event (a REST send, a clock advance):
        # a failure here is logged, never passed to that caller.
        try:
            if isinstance(event, StatusChanged):
                self._receipts(event)
            elif isinstance(event, IncomingReceived) and event.incoming.channel == "sms":
                self._mo(event)
        except Exception:
            log.exception("SMPP: no deliver_sm for %r", event)

    def _receipts(self, event: StatusChanged) -> None:
        message = event.message
        smpp = message.extra.get("smpp") if message.transport == TRANSPORT else None
        if not smpp or message.channel != "sms" or not SMS.is_final(event.status):
            return
        stamp = self.platform.clock.timestamp()
        code = sms.code(event.status)
        for index, mode in enumerate(smpp.get("registered_delivery", ())):
            if index < len(message.ids) and receipts.wants_receipt(mode, code):
                params = receipts.receipt_params(message, index, code, event.at)
                self.dispatcher.enqueue(Delivery(message.login, "receipt", params, stamp))

    def _mo(self, event: IncomingReceived) -> None:
        incoming = event.incoming
        outgoing = encode_outgoing(incoming.text, next(self._mo_references))
        short_code = not (incoming.destination.isdigit() and len(incoming.destination) >= 11)
        stamp = self.platform.clock.timestamp()
        for short_message in outgoing.short_messages:
            params = {
                "service_type": "", "source_addr_ton": 1, "source_addr_npi": 1,
                "source_addr": _address(incoming.source),
                "dest_addr_ton": 0 if short_code else 1, "dest_addr_npi": 1,
                "destination_addr": _address(incoming.destination),
                "esm_class": 0x40 if outgoing.esm_class_udhi else 0x00,
                "protocol_id": 0, "priority_flag": 0, "schedule_delivery_time": "", "validity_period": "",
                "registered_delivery": 0, "replace_if_present_flag": 0, "data_coding": outgoing.data_coding,
                "sm_default_msg_id": 0, "short_message": short_message,
            }
            self.dispatcher.enqueue(Delivery(incoming.login, "mo", params, stamp))


def _address(value: str) -> bytes:
    """An address as the 21-octet C string of SMPP 3.4 allows it."""
    return value.encode("ascii", "replace")[:20]


def _field(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value or ""


def _is_binary(message: submit.ShortMessage) -> bool:
    return alphabet(message.data_coding) == BINARY
