"""Windowing and protection: many outstanding requests, ESME_RTHROTTLED at a configured rate,
malformed and oversized PDUs answered with generic_nack or a clean close."""

from __future__ import annotations

import contextlib

import pytest
from aiosmpplib import PhoneNumber, SubmitSm, SubmitSmResp
from aiosmpplib.state import NPI, TON

from devino_mock.client import MockClient
from devino_mock.config import Settings
from devino_mock.server import BackgroundEmulator
from tests.smpp_support import (
    ENQUIRE_LINK, GENERIC_NACK, PHONE, SENDER, AioEsme, raw_esme, smpplib_esme, submit_sm_body,
)


@pytest.fixture(scope="module")
def throttled():
    """An emulator allowing 3 submit_sm per second per session, with a 0.5 s link timeout."""
    with BackgroundEmulator(Settings.ephemeral(smpp_throttle=3, smpp_link_timeout=0.5)) as emulator:
        yield emulator


def test_many_outstanding_requests_on_one_session(devino_mock):
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        sequences = [esme.client.send_message(source_addr_ton=5, source_addr_npi=1, source_addr=SENDER,
                                              dest_addr_ton=1, dest_addr_npi=1, destination_addr=PHONE,
                                              short_message=f"window {n}".encode()).sequence for n in range(50)]
        answers = [esme.wait_response(sequence) for sequence in sequences]
    assert all(status == 0 for status, _ in answers)
    assert len({message_id for _, message_id in answers}) == 50
    assert len(devino_mock.messages(transport="smpp")) == 50


async def test_aiosmpplib_window(devino_mock):
    async with AioEsme(devino_mock.ports["smpp"]) as esme:
        for n in range(20):
            await esme.send(SubmitSm(short_message=f"async {n}", source=PhoneNumber(SENDER, TON.ALPHANUMERIC, NPI.ISDN),
                                     destination=PhoneNumber(PHONE, TON.INTERNATIONAL, NPI.ISDN)))
        responses = [await esme.next(SubmitSmResp) for _ in range(20)]
    assert all(r.command_status == 0 for r in responses)
    assert len({r.message_id for r in responses}) == 20


def test_throttled_beyond_the_configured_rate(throttled):
    control = MockClient(throttled.base_url)
    control.reset()
    with smpplib_esme(throttled.ports["smpp"]) as esme:
        statuses = [esme.submit(f"burst {n}".encode())[0] for n in range(10)]
        assert statuses[:3] == [0, 0, 0]
        assert 0x58 in statuses  # ESME_RTHROTTLED
        control.advance(1)  # the bucket refills on the platform clock
        assert esme.submit(b"after a second")[0] == 0
    assert len(control.messages(transport="smpp")) == statuses.count(0) + 1


async def test_aiosmpplib_sees_throttling(throttled):
    async with AioEsme(throttled.ports["smpp"]) as esme:
        for n in range(8):
            await esme.send(SubmitSm(short_message=f"t{n}", source=PhoneNumber(SENDER, TON.ALPHANUMERIC, NPI.ISDN),
                                     destination=PhoneNumber(PHONE, TON.INTERNATIONAL, NPI.ISDN)))
        statuses = [int((await esme.next(SubmitSmResp)).command_status) for _ in range(8)]
    assert 0x58 in statuses


@pytest.mark.parametrize("length", [0, 8, 15, 0x10000 + 1025, 0x7FFFFFFF])
def test_command_length_out_of_bounds_is_nacked_and_closed(devino_mock, length):
    with raw_esme(devino_mock.ports["smpp"]) as raw:
        raw.send_raw(length.to_bytes(4, "big") + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 9]))
        assert raw.read()[:3] == (GENERIC_NACK, 0x02, 9)  # ESME_RINVCMDLEN
        assert raw.closed_by_peer()


def test_truncated_body_is_nacked_and_the_session_goes_on(devino_mock):
    with raw_esme(devino_mock.ports["smpp"]) as raw:
        body = submit_sm_body()
        for cut in (0, 3, 12, len(body) - 1):
            raw.send_raw(raw.header(0x04, sequence=40 + cut, body=body[:cut]))
            assert raw.read()[:3] == (GENERIC_NACK, 0x02, 40 + cut)
        raw.send_raw(raw.header(ENQUIRE_LINK))
        assert raw.read()[:2] == (0x80000015, 0)
        raw.send_raw(raw.header(0x04, body=body))
        assert raw.read()[:2] == (0x80000004, 0)


def test_unknown_command_id_is_nacked(devino_mock):
    with raw_esme(devino_mock.ports["smpp"]) as raw:
        raw.send_raw(raw.header(0x00000099, sequence=7, body=b"whatever"))
        assert raw.read()[:3] == (GENERIC_NACK, 0x03, 7)  # ESME_RINVCMDID
        raw.send_raw(raw.header(0x80000099, sequence=8))  # an unknown response as well
        assert raw.read()[:3] == (GENERIC_NACK, 0x03, 8)
        raw.send_raw(raw.header(0x00000102, sequence=9))  # alert_notification goes SMSC -> ESME only
        assert raw.read()[:3] == (GENERIC_NACK, 0x03, 9)
        raw.send_raw(raw.header(0x00000005, sequence=10, body=submit_sm_body()))  # so does deliver_sm
        assert raw.read()[:3] == (0x80000005, 0x03, 10)
        raw.send_raw(raw.header(0x04, body=submit_sm_body()))
        assert raw.read()[:2] == (0x80000004, 0)


def test_malformed_bind_gets_its_status(devino_mock):
    with raw_esme(devino_mock.ports["smpp"], bind=False) as raw:
        too_long_system_id = b"x" * 20 + b"\0" + b"pw\0\0" + bytes([0x34, 0, 0]) + b"\0"
        raw.send_raw(raw.header(0x09, body=too_long_system_id))
        command_id, status, _, body = raw.read()
        assert (command_id, status, body) == (0x80000009, 0x0F, b"DEVINO\0")  # ESME_RINVSYSID
        assert raw.bind() == 0


def test_unanswered_requests_never_hold_the_session(devino_mock):
    """Responses the SMSC never asked for are ignored; the session keeps answering."""
    with raw_esme(devino_mock.ports["smpp"]) as raw:
        raw.send_raw(raw.header(0x80000005, sequence=1234, body=b"\0"))  # deliver_sm_resp for nothing
        raw.send_raw(raw.header(0x80000004, sequence=5, body=b"\0"))  # submit_sm_resp from an ESME
        raw.send_raw(raw.header(ENQUIRE_LINK, sequence=77))
        assert raw.read()[:3] == (0x80000015, 0, 77)


def test_a_pdu_that_never_completes_is_closed_after_the_link_timeout(throttled):
    with raw_esme(throttled.ports["smpp"]) as raw:
        raw.send_raw(raw.header(0x04, body=submit_sm_body())[:20])
        assert raw.closed_by_peer(timeout=3)


def test_pdus_split_across_writes_and_packed_together(devino_mock):
    with raw_esme(devino_mock.ports["smpp"]) as raw:
        pdus = b"".join(raw.header(0x04, sequence=100 + n, body=submit_sm_body()) for n in range(5))
        for offset in range(0, len(pdus), 7):  # 7-byte slices: every PDU arrives in pieces
            raw.send_raw(pdus[offset:offset + 7])
        assert [raw.read()[:3] for _ in range(5)] == [(0x80000004, 0, 100 + n) for n in range(5)]


def test_a_flooding_client_does_not_starve_the_others(devino_mock):
    """200 000 enquire_links written at once: the SMSC serves them in turns, so another
    session is answered long before the flood is."""
    flood_pdus = 200_000
    with raw_esme(devino_mock.ports["smpp"]) as flooder:
        flood = b"".join(flooder.header(ENQUIRE_LINK, sequence=n + 1) for n in range(flood_pdus))
        flooder.sock.setblocking(False)
        sent = 0
        with contextlib.suppress(BlockingIOError):
            while sent < len(flood):
                sent += flooder.sock.send(flood[sent:])
        with smpplib_esme(devino_mock.ports["smpp"]) as good:
            assert good.submit(b"unaffected")[0] == 0
        answered = 0
        with contextlib.suppress(BlockingIOError):
            while chunk := flooder.sock.recv(1 << 20):
                answered += len(chunk)
    # Served in turns of 64 PDUs, the flood gets a few hundred answers (tens of thousands on a
    # machine busy with other work) while the other session connects, binds, submits and
    # unbinds; served greedily, every one of the 200,000 is answered before that session is.
    assert answered // 16 < flood_pdus // 2
