"""One ESME connection: framing on command_length, the bind state machine (SMPP 3.4 §2.3),
answers to every request, the outbound deliver_sm window and link supervision. Whatever a
connection sends can only end that connection: every failure is answered or closes it."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import socket
from typing import TYPE_CHECKING

from smpp.pdu.error import PDUCorruptError, PDUParseError

from devino_mock.protocols.smpp import status as st
from devino_mock.protocols.smpp.codec import (
    COMMAND_NAMES, HEADER, HEADER_LENGTH, MAX_PDU_LENGTH, RESPONSE_BIT, Codec, response_name, status_code,
)
from devino_mock.protocols.smpp.delivery import Delivery
from devino_mock.protocols.smpp.status import SmppError

if TYPE_CHECKING:
    from devino_mock.protocols.smpp.smsc import Smsc

log = logging.getLogger("devino_mock.smpp")
MAX_SEQUENCE = 0x7FFFFFFF
UNBIND_WAIT = 5.0  # real seconds to wait for unbind_resp after the SMSC unbinds (smpp.md §17.1)
_QUICKACK = getattr(socket, "TCP_QUICKACK", None)
PDUS_PER_TURN = 64  # then other connections get the loop before this one goes on


class State(enum.Enum):
    OPEN = "open"
    BOUND_TX = "tx"
    BOUND_RX = "rx"
    BOUND_TRX = "trx"
    UNBINDING = "unbinding"
    CLOSED = "closed"


BIND_MODES = {"bind_transmitter": State.BOUND_TX, "bind_receiver": State.BOUND_RX,
              "bind_transceiver": State.BOUND_TRX}
BOUND = frozenset({State.BOUND_TX, State.BOUND_RX, State.BOUND_TRX})
SENDERS = frozenset({State.BOUND_TX, State.BOUND_TRX})
RECEIVERS = frozenset({State.BOUND_RX, State.BOUND_TRX})

# Requests an ESME may send, and the states that allow them (SMPP 3.4 table 2-1; query_sm in
# every bound state because smpplib only sends it on rx/trx binds, smpp.md §17.3).
ALLOWED = {
    "enquire_link": frozenset(State) - {State.CLOSED},
    "unbind": BOUND,
    "submit_sm": SENDERS,
    "data_sm": SENDERS,
    "submit_multi": SENDERS,
    "cancel_sm": SENDERS,
    "replace_sm": SENDERS,
    "query_sm": BOUND,
    **{name: frozenset({State.OPEN}) for name in BIND_MODES},
}
# Requests answered without reading their body.
UNSUPPORTED = {"submit_multi": st.ESME_RINVCMDID, "cancel_sm": st.ESME_RCANCELFAIL,
               "replace_sm": st.ESME_RREPLACEFAIL}


class SmppSession(asyncio.Protocol):
    def __init__(self, smsc: Smsc) -> None:
        self.smsc = smsc
        self.settings = smsc.settings
        self.codec = Codec()
        self.state = State.OPEN
        self.login: str | None = None
        self.outstanding: dict[int, Delivery] = {}
        self.transport: asyncio.Transport | None = None
        self.peer = "?"
        self._buffer = bytearray()
        self._sequence = 0
        self._loop = asyncio.get_running_loop()
        self._heard_at = self._loop.time()
        self._writing_paused = False
        self._turn_pending = False
        self._output: list[bytes] = []
        self._enquire_sequence: int | None = None
        self._unbind_sequence: int | None = None
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self.throttle = smsc.new_throttle()
        self._answered: tuple[str, int] | None = None  # the last answer, for the request journal

    # --- asyncio.Protocol ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else "?"
        self._arm_idle_check()

    def data_received(self, data: bytes) -> None:
        self._quick_ack()
        self._heard_at = self._loop.time()
        self._buffer += data
        if not self._turn_pending:
            self._process()

    def _process(self) -> None:
        self._turn_pending = False
        handled = 0
        while self.state is not State.CLOSED and len(self._buffer) >= 4:
            length = int.from_bytes(self._buffer[:4], "big")
            if not HEADER_LENGTH <= length <= MAX_PDU_LENGTH:
                sequence = int.from_bytes(self._buffer[12:16], "big") if len(self._buffer) >= 16 else None
                log.info("SMPP %s: command_length %d out of bounds, closing", self.peer, length)
                self._send(self.codec.response("generic_nack", sequence, st.ESME_RINVCMDLEN))
                self.close()
                return
            if len(self._buffer) < length:
                break
            if handled == PDUS_PER_TURN:
                # A client writing faster than it is served must not starve the others: read
                # no more from it and finish its buffer on a later turn of the loop.
                self._turn_pending = True
                self._update_reading()
                self._loop.call_soon(self._process)
                return
            frame = bytes(self._buffer[:length])
            del self._buffer[:length]
            self._handle(frame)
            handled += 1
        self._update_reading()
        # A PDU that has begun must arrive whole within the link timeout.
        if self._buffer and self.state is not State.CLOSED:
            if "partial" not in self._timers:
                self._later("partial", self.settings.smpp_link_timeout, self._partial_timeout)
        else:
            self._cancel("partial")

    def connection_lost(self, exc: Exception | None) -> None:
        self.state = State.CLOSED
        for name in list(self._timers):
            self._cancel(name)
        self.smsc.forget(self)
        returned, self.outstanding = list(self.outstanding.values()), {}
        self.smsc.dispatcher.returned(returned)

    def pause_writing(self) -> None:
        # The ESME does not read: stop reading its requests until it catches up.
        self._writing_paused = True
        self._update_reading()

    def resume_writing(self) -> None:
        self._writing_paused = False
        self._update_reading()
        if self.login and self.state in RECEIVERS:
            self.smsc.dispatcher.wake(self.login)

    def _update_reading(self) -> None:
        if not self.transport or self.transport.is_closing():
            return
        if self._writing_paused or self._turn_pending:
            self.transport.pause_reading()
        else:
            self.transport.resume_reading()

    def _quick_ack(self) -> None:
        """Acknowledge at once (Linux re-arms delayed ACK after every read). An ESME without
        TCP_NODELAY, such as smpplib, holds its next small write until our ACK: with window 1
        and receipts on, every submit_sm would wait out the 40 ms delayed-ACK timer."""
        if _QUICKACK is not None and self.transport is not None:
            sock = self.transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)

    # --- inbound PDUs ----------------------------------------------------------------

    def _handle(self, frame: bytes) -> None:
        """One PDU from the ESME: requests pass the injected faults (mock-interface.md §12) and
        are journalled with their answer (§16)."""
        watch = self.smsc.watch
        _, command_id, _, sequence = HEADER.unpack_from(frame)
        if watch is None or command_id & RESPONSE_BIT:
            self._handle_pdu(frame)
            return
        verdict = watch.faults.draw("smpp")
        if verdict.delay:
            self._loop.call_later(verdict.delay, self._handle_faulty, frame, verdict)
        else:
            self._handle_faulty(frame, verdict)

    def _handle_faulty(self, frame: bytes, verdict) -> None:
        if self.state is State.CLOSED:
            return
        _, command_id, _, sequence = HEADER.unpack_from(frame)
        name = COMMAND_NAMES.get(command_id, f"0x{command_id:08X}")
        with self.smsc.watch.exchange("smpp", name, f"sequence {sequence}", login=self.login) as exchange:
            self._answered = None
            if verdict.disconnect:
                exchange.response = "(connection closed by an injected fault)"
                if self.transport is not None:
                    self.transport.abort()
                self.state = State.CLOSED
                return
            if verdict.error:
                self._respond(response_name(command_id) or "generic_nack", sequence, verdict.error["command_status"])
            else:
                self._handle_pdu(frame)
            if self._answered is not None:
                command, status = self._answered
                exchange.status = st.name(status)
                exchange.response = f"{command} {st.name(status)}"
            exchange.login = exchange.login or self.login

    def _handle_pdu(self, frame: bytes) -> None:
        _, command_id, command_status, sequence = HEADER.unpack_from(frame)
        name = COMMAND_NAMES.get(command_id)
        if name is None:
            self._send(self.codec.response("generic_nack", sequence, st.ESME_RINVCMDID))
            return
        if command_id & RESPONSE_BIT:
            self._on_response(name, sequence, command_status)
            return
        answer = response_name(command_id)
        if name not in ALLOWED or answer is None:
            # deliver_sm, outbind, alert_notification travel SMSC -> ESME only.
            self._respond(answer or "generic_nack", sequence, st.ESME_RINVCMDID)
            return
        if self.state not in ALLOWED[name]:
            bound_again = name in BIND_MODES and self.state in BOUND
            self._respond(answer, sequence, st.ESME_RALYBND if bound_again else st.ESME_RINVBNDSTS)
            return
        if name in UNSUPPORTED:
            self._respond(answer, sequence, UNSUPPORTED[name])
            return
        try:
            pdu = self.codec.decode(frame)
        except PDUCorruptError as exc:
            # The body does not fit its command_length (truncated, or a field runs past it).
            bad_length = status_code(exc.status) != st.ESME_RINVCMDID
            self._send(self.codec.response("generic_nack", sequence,
                                           st.ESME_RINVCMDLEN if bad_length else st.ESME_RINVCMDID))
            return
        except PDUParseError as exc:
            self._respond(answer, sequence, status_code(exc.status))
            return
        except Exception as exc:  # the library trips over some malformed bodies in other ways
            log.info("SMPP %s: undecodable %s: %r", self.peer, name, exc)
            self._respond(answer, sequence, st.ESME_RUNKNOWNERR)
            return
        try:
            getattr(self, f"_on_{name}")(pdu, sequence, answer)
        except SmppError as exc:
            self._respond(answer, sequence, exc.status)
        except Exception:
            log.exception("SMPP %s: %s failed", self.peer, name)
            self._respond(answer, sequence, st.ESME_RSYSERR)

    def _on_response(self, name: str, sequence: int, command_status: int) -> None:
        if name == "deliver_sm_resp":
            self.smsc.dispatcher.acknowledged(self, sequence, command_status)
        elif name == "enquire_link_resp" and sequence == self._enquire_sequence:
            self._enquire_sequence = None
            self._cancel("enquire")
        elif name == "unbind_resp" and self.state is State.UNBINDING:
            self.close()
        elif name == "generic_nack" and self.state is not State.UNBINDING:
            # "Generic_nack не допускаются! ... сброс сессии путем отправки пакета unbind"
            log.info("SMPP %s: generic_nack from the ESME (status 0x%02X): unbinding", self.peer, command_status)
            self.unbind()

    def _on_bind_transmitter(self, pdu, sequence: int, answer: str) -> None:
        self._bind(pdu, sequence, answer, State.BOUND_TX)

    def _on_bind_receiver(self, pdu, sequence: int, answer: str) -> None:
        self._bind(pdu, sequence, answer, State.BOUND_RX)

    def _on_bind_transceiver(self, pdu, sequence: int, answer: str) -> None:
        self._bind(pdu, sequence, answer, State.BOUND_TRX)

    def _bind(self, pdu, sequence: int, answer: str, mode: State) -> None:
        login = self.smsc.bind(self, pdu.params, mode is not State.BOUND_TX)
        self.login, self.state = login, mode
        extra = {"sc_interface_version": 0x34} if (pdu.params.get("interface_version") or 0) >= 0x34 else {}
        self._respond(answer, sequence, st.ESME_ROK, **extra)
        log.info("SMPP %s bound %s as %s", self.peer, login, mode.value)
        if mode in RECEIVERS:
            self.smsc.dispatcher.wake(login)

    def _on_unbind(self, pdu, sequence: int, answer: str) -> None:
        self._respond(answer, sequence, st.ESME_ROK)
        self.close()

    def _on_enquire_link(self, pdu, sequence: int, answer: str) -> None:
        self._respond(answer, sequence, st.ESME_ROK)

    def _on_submit_sm(self, pdu, sequence: int, answer: str) -> None:
        self._take_token()
        self._respond(answer, sequence, st.ESME_ROK, message_id=self.smsc.submit(self, pdu.params, data_sm=False))

    def _on_data_sm(self, pdu, sequence: int, answer: str) -> None:
        self._take_token()
        self._respond(answer, sequence, st.ESME_ROK, message_id=self.smsc.submit(self, pdu.params, data_sm=True))

    def _on_query_sm(self, pdu, sequence: int, answer: str) -> None:
        self._respond(answer, sequence, st.ESME_ROK, **self.smsc.query(self, pdu.params))

    def _take_token(self) -> None:
        if not (self.throttle.take() and self.smsc.account_token(self.login)):
            raise SmppError(st.ESME_RTHROTTLED)

    # --- outbound --------------------------------------------------------------------

    def can_deliver(self) -> bool:
        return (self.state in RECEIVERS and not self._writing_paused
                and len(self.outstanding) < self.settings.smpp_deliver_window)

    def deliver(self, delivery: Delivery) -> int:
        sequence = self._next_sequence()
        pdu = self.codec.request("deliver_sm", sequence, **delivery.params)
        self.outstanding[sequence] = delivery
        self._send(pdu)
        return sequence

    def unbind(self) -> None:
        """The SMSC ends the session: unbind, then close on unbind_resp or after a short wait
        (smpplib never answers a server's unbind)."""
        if self.state in (State.UNBINDING, State.CLOSED):
            return
        self.smsc.unregister(self)
        self.state = State.UNBINDING
        self._unbind_sequence = self._next_sequence()
        self._send(self.codec.request("unbind", self._unbind_sequence))
        self._later("unbind", min(UNBIND_WAIT, self.settings.smpp_link_timeout), self.close)

    def close(self) -> None:
        self._flush()
        if self.state is not State.CLOSED:
            self.smsc.unregister(self)
            self.state = State.CLOSED
        if self.transport and not self.transport.is_closing():
            self.transport.close()

    def _respond(self, command: str, sequence: int, status: int, **params) -> None:
        self._answered = (command, status)
        if command.startswith("bind_"):
            params.setdefault("system_id", self.smsc.system_id)
        self._send(self.codec.response(command, sequence, status, **params))

    def _send(self, data: bytes) -> None:
        # PDUs produced in one turn of the loop (answers to a batch of requests, the receipts
        # they caused) leave in one write.
        if not self._output:
            self._loop.call_soon(self._flush)
        self._output.append(data)

    def _flush(self) -> None:
        output, self._output = self._output, []
        if output and self.transport and not self.transport.is_closing():
            self.transport.write(b"".join(output))

    def _next_sequence(self) -> int:
        self._sequence = self._sequence % MAX_SEQUENCE + 1
        return self._sequence

    # --- link supervision (real time: it watches the socket, not the platform) ------

    def _later(self, name: str, delay: float, action) -> None:
        self._cancel(name)

        def fire() -> None:
            self._timers.pop(name, None)
            action()

        self._timers[name] = self._loop.call_later(delay, fire)

    def _cancel(self, name: str) -> None:
        timer = self._timers.pop(name, None)
        if timer:
            timer.cancel()

    def _partial_timeout(self) -> None:
        log.info("SMPP %s: a PDU stayed incomplete for %ss, closing", self.peer, self.settings.smpp_link_timeout)
        self.close()

    def _arm_idle_check(self) -> None:
        interval = self.settings.smpp_enquire_link_interval
        if interval > 0:
            self._later("idle", max(0.0, self._heard_at + interval - self._loop.time()), self._idle_check)

    def _idle_check(self) -> None:
        if self.state is State.CLOSED:
            return
        silent = self._loop.time() - self._heard_at
        if silent >= self.settings.smpp_enquire_link_interval and self._enquire_sequence is None:
            self._enquire_sequence = self._next_sequence()
            self._send(self.codec.request("enquire_link", self._enquire_sequence))
            self._later("enquire", self.settings.smpp_link_timeout, self._link_dead)
            self._heard_at = self._loop.time()
        self._arm_idle_check()

    def _link_dead(self) -> None:
        log.info("SMPP %s: no enquire_link_resp in %ss, closing", self.peer, self.settings.smpp_link_timeout)
        self.close()
