"""submit_sm and data_sm: data_coding, long messages (UDH 8/16-bit, SAR, message_payload)
joined into one logical message, and the same validation, charging, ids, magic numbers and
status machine as REST."""

from __future__ import annotations

import pytest
import requests
import smpplib.gsm
import zeep
from aiosmpplib import PhoneNumber, SubmitSm, SubmitSmResp
from aiosmpplib.state import NPI, TON
from aiosmpplib.utils import split_sms_udh

from tests.smpp_support import (
    PHONE, SENDER, AioEsme, raw_esme, smpplib_esme, submit_sm_body, tlv,
)

ALPHA = PhoneNumber(SENDER, TON.ALPHANUMERIC, NPI.ISDN)
MSISDN = PhoneNumber(PHONE, TON.INTERNATIONAL, NPI.ISDN)


def only_message(devino_mock, **filters) -> dict:
    messages = devino_mock.messages(transport="smpp", **filters)
    assert len(messages) == 1, messages
    return messages[0]


def balance(devino_mock, login: str = "test_login") -> float:
    return devino_mock.account(login)["balance"]


@pytest.mark.parametrize(("data_coding", "payload", "text", "encoding"), [
    (0, "Hello @£$ {}€ ok".encode("gsm03.38"), "Hello @£$ {}€ ok", "gsm"),
    (1, b"plain ASCII text", "plain ASCII text", "gsm"),
    (3, "café crème".encode("latin-1"), "café crème", "gsm"),
    (8, "Привет, мир 😀".encode("utf-16-be"), "Привет, мир 😀", "ucs2"),
    (6, "Привет".encode("iso8859-5"), "Привет", "ucs2"),
    (0xF0, b"Flash", "Flash", "gsm"),  # GSM message class 0, 7-bit
    (0x18, "Флеш".encode("utf-16-be"), "Флеш", "ucs2"),  # general group, UCS2, class 0
    (0, bytes([0xE9, 0x74, 0xE9]), "été", "gsm"),  # octets >= 0x80 are no GSM: read as Latin-1
])
def test_data_codings_are_decoded(devino_mock, data_coding, payload, text, encoding):
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        status, message_id = esme.submit(payload, data_coding=data_coding)
    assert status == 0
    message = only_message(devino_mock)
    assert (message["id"], message["text"], message["encoding"]) == (message_id, text, encoding)
    assert message["extra"]["smpp"]["data_coding"] == data_coding


@pytest.mark.parametrize(("encoding", "text"), [
    ("gsm0338", "GSM: @£$¥ {[~]} €"), ("ascii", "IA5 text"), ("latin_1", "Grüße, Émile"),
    ("iso8859_5", "Кириллица ISO"), ("ucs2", "Юникод 😀"),
])
async def test_aiosmpplib_encodings(devino_mock, encoding, text):
    async with AioEsme(devino_mock.ports["smpp"]) as esme:
        await esme.send(SubmitSm(short_message=text, source=ALPHA, destination=MSISDN, encoding=encoding))
        assert (await esme.next(SubmitSmResp)).command_status == 0
    assert only_message(devino_mock)["text"] == text


@pytest.mark.parametrize("data_coding", [2, 4, 0xF4])
def test_binary_data_is_kept_as_hex_and_billed_by_octets(devino_mock, data_coding):
    data = bytes(range(150))
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        assert esme.submit(data, data_coding=data_coding)[0] == 0
    message = only_message(devino_mock)
    assert message["text"] == data.hex().upper()
    assert message["segments"] == 2  # 150 octets: 134 + 16
    assert message["extra"]["smpp"]["binary"] is True


async def test_aiosmpplib_ucs2_and_gsm(devino_mock):
    async with AioEsme(devino_mock.ports["smpp"]) as esme:
        for text in ("Привет из aiosmpplib", "Hello from aiosmpplib"):
            await esme.send(SubmitSm(short_message=text, source=ALPHA, destination=MSISDN))
            assert (await esme.next(SubmitSmResp)).command_status == 0
    texts = [m["text"] for m in devino_mock.messages(transport="smpp")]
    assert texts == ["Привет из aiosmpplib", "Hello from aiosmpplib"]


@pytest.mark.parametrize("text", ["Latin " * 60, "Кириллица " * 30])
def test_long_message_by_udh_is_one_message_with_its_segments(devino_mock, text):
    parts, data_coding, esm_class = smpplib.gsm.make_parts(text)
    assert len(parts) > 1 and esm_class == 0x40
    before = balance(devino_mock)
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        answers = [esme.submit(part, data_coding=data_coding, esm_class=esm_class) for part in parts]
    assert all(status == 0 for status, _ in answers)
    message = only_message(devino_mock)
    assert message["ids"] == [message_id for _, message_id in answers]
    assert message["text"] == text and message["segments"] == len(parts)
    assert "".join(message["parts"]) == text
    assert message["extra"]["smpp"]["method"] == "udh8"
    assert balance(devino_mock) == before - len(parts)


def test_udh_with_16_bit_reference_from_smpplib(devino_mock):
    chunks = ["first half, ", "second half"]
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        for number, chunk in enumerate(chunks, start=1):
            udh = bytes([6, 0x08, 4, 0x01, 0x2C, 2, number])
            assert esme.submit(udh + chunk.encode(), esm_class=0x40)[0] == 0
    message = only_message(devino_mock)
    assert (message["text"], message["segments"]) == ("first half, second half", 2)
    assert (message["extra"]["smpp"]["method"], message["extra"]["smpp"]["reference"]) == ("udh16", 300)


async def test_udh_with_16_bit_reference_from_aiosmpplib(devino_mock):
    text = "Длинное сообщение через aiosmpplib. " * 4
    parts = split_sms_udh(text, "ucs2", csms_ref=0x1234)
    assert len(parts) > 1 and parts[0][1] == 0x08
    ids = []
    async with AioEsme(devino_mock.ports["smpp"]) as esme:
        for part in parts:  # window 1: the next part goes after this one's submit_sm_resp
            message = SubmitSm(short_message=text, source=ALPHA, destination=MSISDN, esm_class=0x40,
                               encoding="ucs2")
            message.set_encoded_message(part)
            await esme.send(message)
            response = await esme.next(SubmitSmResp)
            assert response.command_status == 0
            ids.append(response.message_id)
    message = only_message(devino_mock)
    assert message["ids"] == ids and message["text"] == text


def test_long_message_by_sar_tlvs(devino_mock):
    chunks = ["SAR part one / ", "SAR part two / ", "SAR part three"]
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        answers = [esme.submit(chunk, sar_msg_ref_num=513, sar_total_segments=3, sar_segment_seqnum=n)
                   for n, chunk in enumerate(chunks, start=1)]
    message = only_message(devino_mock)
    assert message["ids"] == [i for _, i in answers]
    assert message["text"] == "".join(chunks) and message["parts"] == chunks
    assert message["extra"]["smpp"]["method"] == "sar"


def test_parts_out_of_order_and_on_two_sessions_of_one_account(devino_mock):
    port = devino_mock.ports["smpp"]
    with smpplib_esme(port) as one, smpplib_esme(port, mode="transmitter") as two:
        status2, id2 = two.submit(bytes([5, 0, 3, 9, 2, 2]) + b"world", esm_class=0x40)
        status1, id1 = one.submit(bytes([5, 0, 3, 9, 2, 1]) + b"hello ", esm_class=0x40)
    assert (status1, status2) == (0, 0)
    message = only_message(devino_mock)
    assert message["ids"] == [id1, id2] and message["text"] == "hello world"
    assert int(id2) == int(id1) + 1  # ids reserved for the whole message when its first part came


def test_message_payload_is_split_by_the_smsc_with_one_message_id(devino_mock):
    text = "Payload " * 30  # 240 septets: 2 segments
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        status, message_id = esme.submit(b"", message_payload=text.encode())
    assert status == 0
    message = only_message(devino_mock)
    assert message["id"] == message_id and message["segments"] == 2 and message["text"] == text
    assert message["extra"]["smpp"]["method"] == "payload"


async def test_aiosmpplib_puts_long_text_in_message_payload(devino_mock):
    text = "Очень длинное сообщение. " * 20
    async with AioEsme(devino_mock.ports["smpp"]) as esme:
        await esme.send(SubmitSm(short_message=text, source=ALPHA, destination=MSISDN))
        response = await esme.next(SubmitSmResp)
        assert response.command_status == 0
    message_id = response.message_id
    message = only_message(devino_mock)
    assert message["id"] == message_id and message["text"] == text and message["segments"] == 8


def test_udh_announcing_one_part_is_a_whole_message(devino_mock):
    text = "Кириллица с заголовком"
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        status, message_id = esme.submit(bytes([5, 0, 3, 7, 1, 1]) + text.encode("utf-16-be"),
                                         esm_class=0x40, data_coding=8)
    assert status == 0
    message = only_message(devino_mock)
    assert (message["id"], message["text"], message["segments"]) == (message_id, text, 1)


def test_data_sm_with_message_payload(devino_mock):
    with raw_esme(devino_mock.ports["smpp"]) as raw:
        body = (b"\0" + bytes([5, 1]) + b"DEVINO\0" + bytes([1, 1]) + PHONE.encode() + b"\0"
                + bytes([0, 1, 8]) + tlv(0x0424, "data_sm текст".encode("utf-16-be")))
        raw.send_raw(raw.header(0x103, body=body))
        command_id, status, _, response = raw.read()
    assert (command_id, status) == (0x80000103, 0)
    message = only_message(devino_mock)
    assert response == message["id"].encode() + b"\0" and message["text"] == "data_sm текст"


def test_message_is_the_platforms_own(devino_mock, rest):
    """Visible to REST State, SOAP GetMessageState and the control API, charged, and moved by
    the same clock."""
    before = balance(devino_mock)
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        status, message_id = esme.submit("Через SMPP".encode("utf-16-be"), data_coding=8)
    assert status == 0
    assert balance(devino_mock) == before - 1
    message = devino_mock.message(message_id)
    assert (message["transport"], message["login"], message["source"], message["destination"]) == (
        "smpp", "test_login", SENDER, PHONE)
    state = requests.get(f"{rest}/v2/Sms/State", params={"login": "test_login", "password": "test123",
                                                         "messageId": message_id}).json()
    assert state["State"] == -2
    devino_mock.advance(5)
    state = requests.get(f"{rest}/v2/Sms/State", params={"login": "test_login", "password": "test123",
                                                         "messageId": message_id}).json()
    assert state["State"] == 0 and state["StateDescription"] == "Доставлено абоненту"
    soap = zeep.Client(devino_mock.url + "/SmsServicev2.asmx?WSDL")
    assert soap.service.GetMessageState("test_login", "test123", message_id).State == 0


@pytest.mark.parametrize(("destination", "status"), [
    ("79990000202", 0x45),  # invalid_argument -> ESME_RSUBMITFAIL
    ("79990000205", 0x45),  # insufficient_funds -> ESME_RSUBMITFAIL
    ("79990000206", 0x0B),  # invalid_destination -> ESME_RINVDSTADR
    ("79990000207", 0x45),  # forbidden -> ESME_RSUBMITFAIL
    ("79990000208", 0x14),  # gateway error -> ESME_RMSGQFUL
    ("79990000209", 0x08),  # internal error -> ESME_RSYSERR
    ("12345", 0x0B),
    ("", 0x0B),
])
def test_refusals_by_destination(devino_mock, destination, status):
    before = balance(devino_mock)
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        assert esme.submit(destination=destination) == (status, "")
    assert devino_mock.messages(transport="smpp") == []
    assert balance(devino_mock) == before


def test_refusals_by_account(devino_mock):
    port = devino_mock.ports["smpp"]
    with smpplib_esme(port, login="senders", password="senders1") as esme:
        assert esme.submit(source="OTHER")[0] == 0x0A  # ESME_RINVSRCADR
        assert esme.submit(source="TESTSMS")[0] == 0
    with smpplib_esme(port, login="poor", password="poor1") as esme:
        assert esme.submit()[0] == 0x45  # not enough balance
        parts, data_coding, esm_class = smpplib.gsm.make_parts("x" * 200)
        assert esme.submit(parts[0], esm_class=esm_class)[0] == 0x45  # checked on the first part
    with smpplib_esme(port) as esme:
        assert esme.submit(source="")[0] == 0x0A
        assert esme.submit(b"")[0] == 0x01  # nothing to send: ESME_RINVMSGLEN


def test_last_part_carries_a_refusal_that_arises_while_parts_arrive(devino_mock, rest):
    devino_mock.add_account("tight", "tight1", balance="3.00")
    with smpplib_esme(devino_mock.ports["smpp"], login="tight", password="tight1") as esme:
        header = [5, 0, 3, 77, 3]
        assert esme.submit(bytes(header + [1]) + b"one ", esm_class=0x40)[0] == 0
        sent = requests.get(f"{rest}/v2/Sms/Send", params={"login": "tight", "password": "tight1",
                                                           "sourceAddress": SENDER, "destinationAddress": PHONE,
                                                           "data": "spends one"})
        assert sent.status_code == 200
        assert esme.submit(bytes(header + [2]) + b"two ", esm_class=0x40)[0] == 0
        assert esme.submit(bytes(header + [3]) + b"three", esm_class=0x40)[0] == 0x45
    assert devino_mock.messages(transport="smpp") == []


def test_missing_parts_are_sent_as_they_are_after_ten_minutes(devino_mock):
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        status, first_id = esme.submit(bytes([5, 0, 3, 5, 3, 1]) + b"only ", esm_class=0x40)
        status3, third_id = esme.submit(bytes([5, 0, 3, 5, 3, 3]) + b"parts", esm_class=0x40)
    assert devino_mock.messages(transport="smpp") == []
    devino_mock.advance(601)
    message = only_message(devino_mock)
    assert message["ids"] == [first_id, third_id] and message["text"] == "only parts"
    assert message["extra"]["smpp"]["parts_missing"] == [2]


@pytest.mark.parametrize(("body", "status"), [
    (submit_sm_body(short_message=b"x", tlvs=tlv(0x0424, b"y")), 0x01),  # both short_message and payload
    (submit_sm_body(replace_if_present=1), 0x42),  # ESME_RINVSUBREP
    (submit_sm_body(sm_default_msg_id=3), 0x63),  # ESME_RINVDFTMSGID
    (submit_sm_body(schedule="tomorrow"), 0x61),  # ESME_RINVSCHED
    (submit_sm_body(validity="991399000000000+"), 0x62),  # ESME_RINVEXPIRY: month 13
    (submit_sm_body(validity="000000000000000R"), 0x62),  # valid for no time at all
    (submit_sm_body(esm_class=0x40, short_message=b"\x09\x00\x03\x01"), 0x43),  # UDH longer than the message
    (submit_sm_body(esm_class=0x40, short_message=b"\x05\x00\x03\x01\x02\x03xx"), 0x43),  # part 3 of 2
    (submit_sm_body(tlvs=tlv(0x020C, b"\x00\x01")), 0xC3),  # SAR without total and number
    (submit_sm_body(tlvs=tlv(0x020C, b"\x00\x01") + tlv(0x020E, b"\x02") + tlv(0x020F, b"\x03")), 0xC4),
])
def test_submit_field_errors(devino_mock, body, status):
    with raw_esme(devino_mock.ports["smpp"]) as raw:
        raw.send_raw(raw.header(0x04, body=body))
        assert raw.read()[:2] == (0x80000004, status)
    assert devino_mock.messages(transport="smpp") == []


def test_lenient_fields_are_accepted(devino_mock):
    """Any TON/NPI (smpp.md §17.2), registered_delivery 3, unknown TLVs, USSD service_type."""
    body = bytearray(submit_sm_body(registered_delivery=3, service_type="USSD",
                                    tlvs=tlv(0x0501, b"\x01") + tlv(0x1501, b"vendor")))
    body[5] = 7  # source_addr_ton 7 is reserved in SMPP 3.4
    with raw_esme(devino_mock.ports["smpp"]) as raw:
        raw.send_raw(raw.header(0x04, body=bytes(body)))
        assert raw.read()[:2] == (0x80000004, 0)
    extra = only_message(devino_mock)["extra"]["smpp"]
    assert extra["source_ton"] == 7 and extra["ussd"] is True and extra["registered_delivery"] == [1]


def test_schedule_and_validity(devino_mock):
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        # relative: deliver in one hour, valid for two minutes after that
        assert esme.submit(schedule_delivery_time="000000010000000R", validity_period="000000010200000R")[0] == 0
        assert esme.submit(destination="79990000003", validity_period="000000000200000R")[0] == 0
    scheduled, unreported = devino_mock.messages(transport="smpp")
    devino_mock.advance(1800)
    assert devino_mock.message(scheduled["id"])["status"] == -2
    assert devino_mock.message(unreported["id"])["status"] == 46  # expired after its 2 minutes
    devino_mock.advance(1805)
    assert devino_mock.message(scheduled["id"])["status"] == 0
