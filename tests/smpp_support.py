"""SMPP clients for the tests: python smpplib and aiosmpplib as users run them, and a raw
socket ESME (PDUs built with smpp.pdu3) for what neither library can send: cancel_sm,
replace_sm, data_sm, refusing a deliver_sm, malformed bytes."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct

import smpplib.client
import smpplib.consts
from aiosmpplib import ESME
from aiosmpplib.broker import SimpleBroker
from aiosmpplib.hook import AbstractHook
from aiosmpplib.state import BindMode, SmppError
from smpp.pdu import operations, pdu_types
from smpp.pdu.pdu_encoding import PDUEncoder

READ_TIMEOUT = 3.0
LOGIN, PASSWORD = "test_login", "test123"
SENDER, PHONE = "DEVINO", "79161234567"

GENERIC_NACK = 0x80000000
SUBMIT_SM_RESP = 0x80000004
DELIVER_SM = 0x00000005
UNBIND = 0x00000006
ENQUIRE_LINK = 0x00000015


# --- smpplib ---------------------------------------------------------------------------


class SmpplibEsme:
    """smpplib's Client with recording handlers (its defaults only log "Override me")."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = READ_TIMEOUT) -> None:
        self.client = smpplib.client.Client(host, port, timeout=timeout, allow_unknown_opt_params=True)
        self.delivered: list = []  # deliver_sm PDUs, answered with `self.deliver_status`
        self.responses: list = []  # submit_sm_resp PDUs
        self.queries: list = []  # query_sm_resp PDUs
        self.errors: list = []  # any PDU with a non-zero status
        self.deliver_status = 0
        self.client.set_message_received_handler(self._on_deliver)
        self.client.set_message_sent_handler(lambda pdu: self.responses.append(pdu))
        self.client.set_query_resp_handler(lambda pdu: self.queries.append(pdu))
        self.client.set_error_pdu_handler(lambda pdu: self.errors.append(pdu))

    def _on_deliver(self, pdu) -> int:
        self.delivered.append(pdu)
        return self.deliver_status

    def bind(self, mode: str = "transceiver", login: str = LOGIN, password: str = PASSWORD):
        self.client.connect()
        return getattr(self.client, f"bind_{mode}")(system_id=login, password=password)

    def submit(self, text: bytes | str = b"Hello", destination: str = PHONE, source: str = SENDER, **fields):
        """Send one submit_sm and read until its submit_sm_resp (window 1): (status, message_id)."""
        fields.setdefault("registered_delivery", True)
        pdu = self.client.send_message(source_addr_ton=5, source_addr_npi=1, source_addr=source,
                                       dest_addr_ton=1, dest_addr_npi=1, destination_addr=destination,
                                       short_message=text.encode() if isinstance(text, str) else text, **fields)
        return self.wait_response(pdu.sequence)

    def wait_response(self, sequence: int):
        while True:
            for response in self.responses:
                if response.sequence == sequence:
                    self.responses.remove(response)
                    return int(response.status), _text(getattr(response, "message_id", b""))
            self.client.read_once(auto_send_enquire_link=False)

    def read_deliveries(self, count: int) -> list:
        while len(self.delivered) < count:
            self.client.read_once(auto_send_enquire_link=False)
        return self.delivered[:count]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.client.state != smpplib.consts.SMPP_CLIENT_STATE_CLOSED:
                self.client.unbind()
        with contextlib.suppress(Exception):
            self.client.disconnect()


@contextlib.contextmanager
def smpplib_esme(port: int, mode: str = "transceiver", login: str = LOGIN, password: str = PASSWORD):
    esme = SmpplibEsme(port)
    try:
        esme.bind(mode, login, password)
        yield esme
    finally:
        esme.close()


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


# --- aiosmpplib ------------------------------------------------------------------------


class Recorder(AbstractHook):
    def __init__(self) -> None:
        self.messages: asyncio.Queue = asyncio.Queue()

    async def sending(self, smpp_message, pdu, client_id) -> None:
        pass

    async def received(self, smpp_message, pdu, client_id) -> None:
        if smpp_message is not None:
            await self.messages.put(smpp_message)

    async def send_error(self, smpp_message, error, client_id) -> None:
        await self.messages.put(error)


class AioEsme:
    def __init__(self, port: int, login: str = LOGIN, password: str = PASSWORD,
                 mode: BindMode = BindMode.TRANSCEIVER, **options) -> None:
        self.recorder = Recorder()
        self.broker = SimpleBroker()
        self.esme = ESME("127.0.0.1", port, login, password, bind_mode=mode, hook=self.recorder,
                         broker=self.broker, log_level="CRITICAL", socket_timeout=READ_TIMEOUT, **options)
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> "AioEsme":
        self._task = asyncio.create_task(self.esme.start())
        bind = await self.next()
        assert int(bind.command_status) == 0, bind
        return self

    async def __aexit__(self, *exc) -> None:
        writer = self.esme._writer  # aiosmpplib's stop() half-closes it and drops it: close it here
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.esme.stop(), READ_TIMEOUT)
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task

    async def next(self, kind: type | None = None):
        """The next message of `kind` the ESME received (others are skipped)."""
        while True:
            message = await asyncio.wait_for(self.recorder.messages.get(), READ_TIMEOUT)
            if kind is None or isinstance(message, kind):
                return message

    async def send(self, message) -> None:
        await self.broker.enqueue(message)


async def aio_bind_status(port: int, login: str, password: str, mode: BindMode = BindMode.TRANSCEIVER) -> int:
    """The command_status aiosmpplib's connect() gets for this bind."""
    esme = ESME("127.0.0.1", port, login, password, bind_mode=mode, log_level="CRITICAL",
                socket_timeout=READ_TIMEOUT)
    try:
        await esme.connect()
        return 0
    except SmppError as exc:
        return int(exc.command_status)
    finally:
        if esme._writer is not None:  # aiosmpplib has no public close for a bare connect()
            esme._writer.close()
            with contextlib.suppress(Exception):
                await esme._writer.wait_closed()


# --- raw socket ESME -------------------------------------------------------------------


class RawEsme:
    """Writes bytes, reads whole PDUs as (command_id, status, sequence, body)."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.sock = socket.create_connection((host, port), timeout=READ_TIMEOUT)
        self.encoder = PDUEncoder()
        self.sequence = 0

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    def send_pdu(self, name: str, **params) -> int:
        cls = operations.getPDUClass(getattr(pdu_types.CommandId, name))
        sequence = self.next_sequence()
        self.sock.sendall(self.encoder.encode(cls(sequence, **params)))
        return sequence

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def header(self, command_id: int, status: int = 0, sequence: int | None = None, body: bytes = b"") -> bytes:
        return struct.pack(">IIII", 16 + len(body), command_id, status,
                           self.next_sequence() if sequence is None else sequence) + body

    def read(self, timeout: float = READ_TIMEOUT) -> tuple[int, int, int, bytes]:
        self.sock.settimeout(timeout)
        head = self._exact(16)
        length, command_id, status, sequence = struct.unpack(">IIII", head)
        return command_id, status, sequence, self._exact(length - 16)

    def read_until(self, command_id: int, sequence: int | None = None) -> tuple[int, int, int, bytes]:
        """Skips enquire_links and other PDUs the test does not look at."""
        while True:
            pdu = self.read()
            if pdu[0] == command_id and (sequence is None or pdu[2] == sequence):
                return pdu

    def closed_by_peer(self, timeout: float = READ_TIMEOUT) -> bool:
        """True once the SMSC closes the connection (PDUs before that are discarded)."""
        self.sock.settimeout(timeout)
        try:
            while self.sock.recv(4096):
                pass
            return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def _exact(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("closed by the SMSC")
            data += chunk
        return data

    def bind(self, login: str = LOGIN, password: str = PASSWORD, mode: str = "bind_transceiver") -> int:
        sequence = self.send_pdu(mode, system_id=login, password=password, system_type="",
                                 interface_version=0x34, addr_ton=pdu_types.AddrTon.UNKNOWN,
                                 addr_npi=pdu_types.AddrNpi.UNKNOWN, address_range="")
        return self.read_until(0x80000000 | COMMAND_IDS[mode], sequence)[1]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


COMMAND_IDS = {"bind_receiver": 0x01, "bind_transmitter": 0x02, "bind_transceiver": 0x09}


@contextlib.contextmanager
def raw_esme(port: int, bind: bool = True, **kwargs):
    esme = RawEsme(port)
    try:
        if bind:
            assert esme.bind(**kwargs) == 0
        yield esme
    finally:
        esme.close()


def c_string(body: bytes, start: int = 0) -> tuple[str, int]:
    end = body.index(b"\0", start)
    return body[start:end].decode("latin-1"), end + 1


def submit_sm_body(source: str = SENDER, destination: str = PHONE, short_message: bytes = b"Hello",
                   data_coding: int = 0, esm_class: int = 0, registered_delivery: int = 1,
                   schedule: str = "", validity: str = "", tlvs: bytes = b"", service_type: str = "",
                   replace_if_present: int = 0, sm_default_msg_id: int = 0) -> bytes:
    """A submit_sm body byte for byte: lets a test send values smpp.pdu3 refuses to encode."""
    return (service_type.encode() + b"\0" + bytes([5, 1]) + source.encode() + b"\0" + bytes([1, 1])
            + destination.encode() + b"\0" + bytes([esm_class, 0, 0]) + schedule.encode() + b"\0"
            + validity.encode() + b"\0" + bytes([registered_delivery, replace_if_present, data_coding,
                                                  sm_default_msg_id, len(short_message)])
            + short_message + tlvs)


def tlv(tag: int, value: bytes) -> bytes:
    return struct.pack(">HH", tag, len(value)) + value
