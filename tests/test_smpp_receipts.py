"""Delivery receipts (Appendix B text, receipted_message_id, message_state), query_sm,
cancel_sm/replace_sm, MO messages as deliver_sm, acknowledgement and redelivery, reset."""

from __future__ import annotations

import re

import pytest
import smpplib.gsm
from aiosmpplib import DeliverSm, PhoneNumber, SubmitSm, SubmitSmResp
from aiosmpplib.state import NPI, TON, BindMode

from tests.smpp_support import (
    DELIVER_SM, PHONE, SENDER, AioEsme, c_string, raw_esme, smpplib_esme, submit_sm_body,
)

RECEIPT = re.compile(r"^id:(\d+) sub:001 dlvrd:(\d{3}) submit date:(\d{10}) done date:(\d{10}) "
                     r"stat:([A-Z]+) err:(\d{3}) text:(.*)$")


def parse_receipt(pdu) -> dict:
    match = RECEIPT.match(pdu.short_message.decode())
    assert match, pdu.short_message
    keys = ("id", "dlvrd", "submit_date", "done_date", "stat", "err", "text")
    return dict(zip(keys, match.groups()))


def deliver_sm_fields(body: bytes) -> dict:
    """The mandatory fields of a raw deliver_sm body, and its TLVs by tag."""
    fields = {}
    fields["service_type"], at = c_string(body)
    fields["source_ton"], fields["source_npi"] = body[at], body[at + 1]
    fields["source"], at = c_string(body, at + 2)
    fields["dest_ton"], fields["dest_npi"] = body[at], body[at + 1]
    fields["destination"], at = c_string(body, at + 2)
    fields["esm_class"], at = body[at], at + 3
    _, at = c_string(body, at)
    _, at = c_string(body, at)
    fields["registered_delivery"], fields["data_coding"] = body[at], body[at + 2]
    length = body[at + 4]
    fields["short_message"] = body[at + 5:at + 5 + length]
    at += 5 + length
    tlvs = {}
    while at < len(body):
        tag, size = int.from_bytes(body[at:at + 2], "big"), int.from_bytes(body[at + 2:at + 4], "big")
        tlvs[tag] = body[at + 4:at + 4 + size]
        at += 4 + size
    fields["tlvs"] = tlvs
    return fields


def test_receipt_text_and_tlvs(devino_mock):
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        status, message_id = esme.submit(b"Summa scheta 1038.35 rub")
        devino_mock.advance(5)
        [receipt] = esme.read_deliveries(1)
    message = devino_mock.message(message_id)
    fields = parse_receipt(receipt)
    assert fields["id"] == message_id and fields["stat"] == "DELIVRD"
    assert (fields["dlvrd"], fields["err"], fields["text"]) == ("001", "000", "Summa scheta 1038.35")
    created = message["created_at"]  # 2026-01-02T03:04:05.678Z -> 2601020304
    assert fields["submit_date"] == created[2:4] + created[5:7] + created[8:10] + created[11:13] + created[14:16]
    assert receipt.esm_class == 0x04 and receipt.data_coding == 0
    assert receipt.receipted_message_id == message_id.encode() and receipt.message_state == 2
    assert (receipt.source_addr, receipt.destination_addr) == (PHONE.encode(), SENDER.encode())
    assert (receipt.source_addr_ton, receipt.dest_addr_ton) == (1, 5)


@pytest.mark.parametrize(("destination", "stat", "state", "err"), [
    ("79990000011", "UNDELIV", 5, "011"),
    ("79990000041", "UNDELIV", 5, "041"),
    ("79990000042", "REJECTD", 8, "042"),
    ("79990000069", "REJECTD", 8, "069"),
    ("79990000047", "DELETED", 4, "047"),
    ("79990000098", "DELETED", 4, "098"),
    ("79990000099", "UNKNOWN", 7, "099"),
    ("79990000046", "EXPIRED", 3, "046"),
])
def test_failure_receipts(devino_mock, destination, stat, state, err):
    with raw_esme(devino_mock.ports["smpp"]) as raw:
        raw.send_raw(raw.header(0x04, body=_body(destination, registered_delivery=2)))
        assert raw.read()[1] == 0
        devino_mock.advance(2 * 24 * 3600)
        _, _, sequence, body = raw.read_until(DELIVER_SM)
        raw.send_raw(raw.header(0x80000005, sequence=sequence, body=b"\0"))
    fields = deliver_sm_fields(body)
    text = fields["short_message"].decode()
    assert f"stat:{stat} err:{err}" in text and "dlvrd:000" in text
    assert fields["tlvs"][0x0427] == bytes([state])  # message_state
    assert fields["tlvs"][0x0423] == bytes([3]) + int(err).to_bytes(2, "big")  # network_error_code
    assert fields["tlvs"][0x001E].rstrip(b"\0").decode() == text.split()[0][3:]


def _body(destination: str, registered_delivery: int = 1, text: bytes = b"Hello") -> bytes:
    return submit_sm_body(destination=destination, registered_delivery=registered_delivery, short_message=text)


def test_registered_delivery_decides_which_outcomes_get_receipts(devino_mock):
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        esme.submit(b"none", registered_delivery=0)
        esme.submit(b"failure only, delivered", registered_delivery=2)
        _, failed = esme.submit(b"failure only, failed", registered_delivery=2, destination="79990000042")
        _, final = esme.submit(b"final", registered_delivery=1)
        devino_mock.advance(5)
        devino_mock.incoming("test_login", "79260000000", "79160000000", "marker")
        got = esme.read_deliveries(3)
    assert sorted(parse_receipt(pdu)["id"] for pdu in got[:2]) == sorted([failed, final])
    assert got[2].short_message == b"marker"  # nothing else was queued before the MO


def test_receipt_goes_to_a_receiver_of_the_account(devino_mock):
    port = devino_mock.ports["smpp"]
    with smpplib_esme(port, mode="transmitter") as sender, smpplib_esme(port, mode="receiver") as receiver:
        _, message_id = sender.submit()
        devino_mock.advance(5)
        [receipt] = receiver.read_deliveries(1)
    assert parse_receipt(receipt)["id"] == message_id


def test_receipts_wait_for_a_receiver(devino_mock):
    port = devino_mock.ports["smpp"]
    with smpplib_esme(port, mode="transmitter") as sender:
        ids = [sender.submit(f"n{n}".encode())[1] for n in range(3)]
    devino_mock.advance(5)  # nobody is bound to receive: the receipts wait
    with smpplib_esme(port, mode="receiver") as receiver:
        assert sorted(parse_receipt(p)["id"] for p in receiver.read_deliveries(3)) == sorted(ids)


def test_receipts_alternate_between_receivers(devino_mock):
    port = devino_mock.ports["smpp"]
    with smpplib_esme(port, mode="receiver") as first, smpplib_esme(port, mode="transceiver") as second:
        ids = [second.submit(f"n{n}".encode())[1] for n in range(4)]
        devino_mock.advance(5)
        got = first.read_deliveries(2) + second.read_deliveries(2)
    assert sorted(parse_receipt(p)["id"] for p in got) == sorted(ids)


def test_receipt_per_udh_part_and_one_for_message_payload(devino_mock):
    parts, data_coding, esm_class = smpplib.gsm.make_parts("Part " * 50)
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        part_ids = [esme.submit(p, data_coding=data_coding, esm_class=esm_class)[1] for p in parts]
        _, payload_id = esme.submit(b"", message_payload=("Payload " * 30).encode())
        devino_mock.advance(5)
        devino_mock.incoming("test_login", "79260000000", "79160000000", "marker")
        got = esme.read_deliveries(len(parts) + 2)
    assert sorted(parse_receipt(p)["id"] for p in got[:-1]) == sorted(part_ids + [payload_id])
    assert got[-1].short_message == b"marker"
    payload_message = devino_mock.message(payload_id)
    assert payload_message["segments"] == 2  # two segments billed, one receipt


async def test_aiosmpplib_gets_and_correlates_its_receipt(devino_mock):
    async with AioEsme(devino_mock.ports["smpp"]) as esme:
        await esme.send(SubmitSm(short_message="aiosmpplib receipt", source=PhoneNumber(SENDER, TON.ALPHANUMERIC, NPI.ISDN),
                                 destination=PhoneNumber(PHONE, TON.INTERNATIONAL, NPI.ISDN), log_id="mine"))
        response = await esme.next(SubmitSmResp)
        devino_mock.advance(5)
        receipt = await esme.next(DeliverSm)
    parsed = receipt.parse_receipt()
    assert receipt.is_receipt() and parsed["id"] == response.message_id and parsed["stat"] == "DELIVRD"
    assert receipt.log_id == "mine"  # aiosmpplib matched it to its submit by receipted id


def test_query_sm(devino_mock):
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        _, message_id = esme.submit(registered_delivery=0)
        _, pending_part = esme.submit(bytes([5, 0, 3, 1, 2, 1]) + b"half", esm_class=0x40)
        states = {}
        for label, wanted in (("early", message_id), ("pending", pending_part), ("unknown", "123")):
            esme.client.query_message(message_id=wanted, source_addr_ton=5, source_addr_npi=1, source_addr=SENDER)
            esme.client.read_once(auto_send_enquire_link=False)
            states[label] = (esme.queries or esme.errors)[-1]
        devino_mock.advance(5)
        esme.client.query_message(message_id=message_id, source_addr_ton=5, source_addr_npi=1, source_addr=SENDER)
        esme.client.read_once(auto_send_enquire_link=False)
        states["late"] = esme.queries[-1]
    assert (states["early"].message_state, states["early"].final_date) == (1, b"")
    assert states["pending"].message_state == 1
    assert states["unknown"].status == 0x67  # ESME_RQUERYFAIL
    late = states["late"]
    assert (late.message_id, late.message_state, late.error_code) == (message_id.encode(), 2, 0)
    reported = devino_mock.message(message_id)["reported_at"]
    assert late.final_date.decode() == reported[2:4] + reported[5:7] + reported[8:10] + reported[11:13] + \
        reported[14:16] + reported[17:19] + "000+"


def test_query_sm_for_another_accounts_message_fails(devino_mock):
    port = devino_mock.ports["smpp"]
    with smpplib_esme(port) as owner:
        _, message_id = owner.submit()
    with raw_esme(port, login="test", password="11111") as raw:
        body = message_id.encode() + b"\0" + bytes([5, 1]) + SENDER.encode() + b"\0"
        raw.send_raw(raw.header(0x03, body=body))
        assert raw.read()[:2] == (0x80000003, 0x67)


@pytest.mark.parametrize(("command_id", "status"), [(0x08, 0x11), (0x07, 0x13), (0x21, 0x03)])
def test_cancel_replace_and_submit_multi_are_refused_as_documented(devino_mock, command_id, status):
    with raw_esme(devino_mock.ports["smpp"]) as raw:
        raw.send_raw(raw.header(command_id, body=b"\0" * 20))
        assert raw.read()[:2] == (0x80000000 | command_id, status)
        raw.send_raw(raw.header(0x15))
        assert raw.read()[:2] == (0x80000015, 0)  # the session goes on


def test_mo_to_receivers_and_transceivers_not_transmitters(devino_mock):
    port = devino_mock.ports["smpp"]
    with smpplib_esme(port, mode="transmitter") as transmitter, smpplib_esme(port, mode="receiver") as receiver:
        devino_mock.incoming("test_login", "+79260000000", "79160000000", "Привет, SMSC")
        [mo] = receiver.read_deliveries(1)
        assert transmitter.delivered == []
    assert mo.esm_class == 0 and mo.data_coding == 8
    assert mo.short_message.decode("utf-16-be") == "Привет, SMSC"
    assert (mo.source_addr, mo.destination_addr) == (b"79260000000", b"79160000000")
    assert (mo.source_addr_ton, mo.dest_addr_ton) == (1, 1)


def test_long_mo_comes_in_udh_parts(devino_mock):
    text = "Long incoming message. " * 10
    with smpplib_esme(devino_mock.ports["smpp"], mode="receiver") as receiver:
        devino_mock.incoming("test_login", "79260000000", "2435", text)
        parts = receiver.read_deliveries(2)
    assert all(p.esm_class == 0x40 and p.data_coding == 0 for p in parts)
    assert [p.short_message[:6] for p in parts] == [bytes([5, 0, 3, parts[0].short_message[3], 2, n]) for n in (1, 2)]
    assert b"".join(p.short_message[6:] for p in parts).decode("gsm03.38") == text
    assert parts[0].dest_addr_ton == 0  # a short code


async def test_aiosmpplib_receives_mo(devino_mock):
    async with AioEsme(devino_mock.ports["smpp"], mode=BindMode.RECEIVER) as esme:
        devino_mock.incoming("test_login", "79260000000", "79160000000", "hello aiosmpplib")
        mo = await esme.next(DeliverSm)
    assert not mo.is_receipt() and mo.short_message == "hello aiosmpplib"
    assert mo.source.number == "79260000000"


def test_mo_waits_for_a_bind(devino_mock):
    devino_mock.incoming("test_login", "79260000000", "79160000000", "queued")
    with smpplib_esme(devino_mock.ports["smpp"], mode="receiver") as receiver:
        assert receiver.read_deliveries(1)[0].short_message == b"queued"


def test_reset_drops_what_waits_for_delivery(devino_mock):
    devino_mock.incoming("test_login", "79260000000", "79160000000", "forgotten")
    with smpplib_esme(devino_mock.ports["smpp"], mode="transmitter") as esme:
        esme.submit()
    devino_mock.advance(5)  # a receipt waits too
    devino_mock.reset()
    devino_mock.incoming("test_login", "79260000000", "79160000000", "after reset")
    with smpplib_esme(devino_mock.ports["smpp"], mode="receiver") as receiver:
        assert receiver.read_deliveries(1)[0].short_message == b"after reset"


def test_unanswered_deliver_sm_is_sent_again(devino_mock):
    with raw_esme(devino_mock.ports["smpp"], mode="bind_receiver") as raw:
        devino_mock.incoming("test_login", "79260000000", "79160000000", "answer me")
        _, _, first_sequence, first = raw.read_until(DELIVER_SM)
        devino_mock.advance(29)
        devino_mock.incoming("test_login", "79260000000", "79160000000", "next")
        _, _, _, second = raw.read_until(DELIVER_SM)  # the window is not blocked by the first
        assert deliver_sm_fields(second)["short_message"] == b"next"
        devino_mock.advance(2)  # 31 s without deliver_sm_resp for the first
        _, _, again_sequence, again = raw.read_until(DELIVER_SM)
        assert again == first and again_sequence != first_sequence
        raw.send_raw(raw.header(0x80000005, sequence=again_sequence, body=b"\0"))
        devino_mock.advance(60)
        devino_mock.incoming("test_login", "79260000000", "79160000000", "last")
        _, _, _, last = raw.read_until(DELIVER_SM)
        assert deliver_sm_fields(last)["short_message"] == b"next"  # "next" was never answered
        _, _, _, last = raw.read_until(DELIVER_SM)
        assert deliver_sm_fields(last)["short_message"] == b"last"


def test_refused_deliver_sm_is_retried_after_a_minute_and_dropped_after_five_tries(devino_mock):
    with smpplib_esme(devino_mock.ports["smpp"], mode="receiver") as receiver:
        receiver.deliver_status = 0x08  # the handler answers ESME_RSYSERR
        devino_mock.incoming("test_login", "79260000000", "79160000000", "refused")
        receiver.read_deliveries(1)
        for tries in range(2, 6):
            devino_mock.advance(61)
            assert receiver.read_deliveries(tries)[-1].short_message == b"refused"
        receiver.deliver_status = 0
        devino_mock.advance(61)
        devino_mock.incoming("test_login", "79260000000", "79160000000", "fresh")
        assert receiver.read_deliveries(6)[-1].short_message == b"fresh"


def test_deliver_window_holds_back_the_rest(devino_mock):
    with raw_esme(devino_mock.ports["smpp"], mode="bind_receiver") as raw:
        for n in range(12):
            devino_mock.incoming("test_login", "79260000000", "79160000000", f"mo {n}")
        window = [raw.read_until(DELIVER_SM) for _ in range(10)]
        with pytest.raises(TimeoutError):
            raw.read(timeout=0.3)
        raw.send_raw(raw.header(0x80000005, sequence=window[0][2], body=b"\0"))
        assert deliver_sm_fields(raw.read_until(DELIVER_SM)[3])["short_message"] == b"mo 10"


def test_mo_with_addresses_smpp_cannot_carry_still_arrives(devino_mock):
    with smpplib_esme(devino_mock.ports["smpp"], mode="receiver") as receiver:
        devino_mock.incoming("test_login", "Отправитель с длинным именем", "номер", "odd addresses")
        devino_mock.incoming("test_login", "79260000000", "79160000000", "after it")
        first, second = receiver.read_deliveries(2)
    assert first.short_message == b"odd addresses" and len(first.source_addr) == 20
    assert second.short_message == b"after it"
