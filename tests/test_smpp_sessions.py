"""SMPP sessions: binds in every mode with smpplib and aiosmpplib, every bind error, the
4-session limit, enquire_link both ways, unbind, generic_nack, concurrency and isolation."""

from __future__ import annotations

import asyncio
import concurrent.futures

import pytest
import smpplib.exceptions
import smpplib.smpp
from aiosmpplib import EnquireLinkResp, PhoneNumber, SubmitSm, SubmitSmResp
from aiosmpplib.state import NPI, TON, BindMode

from devino_mock.config import Settings
from devino_mock.server import BackgroundEmulator
from tests.smpp_support import (
    ENQUIRE_LINK, GENERIC_NACK, UNBIND, AioEsme, RawEsme, SmpplibEsme, aio_bind_status, raw_esme,
    smpplib_esme, submit_sm_body,
)

BIND_MODES = ["transmitter", "receiver", "transceiver"]


@pytest.fixture(scope="module")
def quick_links():
    """An emulator whose SMSC watches links on a short fuse: enquire_link after 0.2 s of
    silence, 0.5 s for answers and for the rest of a started PDU."""
    settings = Settings.ephemeral(smpp_enquire_link_interval=0.2, smpp_link_timeout=0.5)
    with BackgroundEmulator(settings) as emulator:
        yield emulator


@pytest.mark.parametrize("mode", BIND_MODES)
def test_smpplib_binds_in_every_mode(devino_mock, mode):
    esme = SmpplibEsme(devino_mock.ports["smpp"])
    try:
        response = esme.bind(mode)
        assert response.status == 0
        assert response.system_id == b"DEVINO"
        assert response.sc_interface_version == 0x34
    finally:
        esme.close()


@pytest.mark.parametrize("mode", list(BindMode))
async def test_aiosmpplib_binds_in_every_mode(devino_mock, mode):
    async with AioEsme(devino_mock.ports["smpp"], mode=mode) as esme:
        assert esme.esme.session_state == mode.session_state


@pytest.mark.parametrize(("login", "password", "status"), [
    ("nobody", "test123", 0x0F),  # ESME_RINVSYSID
    ("test_login", "wrong", 0x0E),  # ESME_RINVPASWD
    ("test_login", "", 0x0E),
    ("", "test123", 0x0F),
    ("blocked", "blocked1", 0x0D),  # ESME_RBINDFAIL: account not enabled
])
def test_bind_errors_with_smpplib(devino_mock, login, password, status):
    esme = SmpplibEsme(devino_mock.ports["smpp"])
    try:
        with pytest.raises(smpplib.exceptions.PDUError) as raised:
            esme.bind("transceiver", login, password)
        assert raised.value.args[1] == status
    finally:
        esme.close()


@pytest.mark.parametrize(("login", "password", "status"), [
    ("nobody", "test123", 0x0F), ("test_login", "wrong", 0x0E), ("blocked", "blocked1", 0x0D),
])
async def test_bind_errors_with_aiosmpplib(devino_mock, login, password, status):
    assert await aio_bind_status(devino_mock.ports["smpp"], login, password) == status


def test_password_longer_than_smpp_allows_binds_with_its_first_8_characters(devino_mock):
    devino_mock.add_account("longpass", "secret-password")
    with smpplib_esme(devino_mock.ports["smpp"], login="longpass", password="secret-password") as esme:
        assert esme.submit()[0] == 0  # smpplib sent "secret-p"
    with raw_esme(devino_mock.ports["smpp"], bind=False) as raw:
        assert raw.bind("longpass", "secret-x") == 0x0E


def test_fifth_session_of_an_account_is_refused(devino_mock):
    port = devino_mock.ports["smpp"]
    sessions = [SmpplibEsme(port) for _ in range(5)]
    try:
        for esme, mode in zip(sessions, ["transmitter", "receiver", "transceiver", "transceiver"]):
            assert esme.bind(mode).status == 0
        with pytest.raises(smpplib.exceptions.PDUError) as raised:
            sessions[4].bind("transmitter")
        assert raised.value.args[1] == 0x0D
        with smpplib_esme(port, login="test", password="11111") as other_account:
            assert other_account.submit()[0] == 0
        sessions[0].close()
        replacement = SmpplibEsme(port)
        sessions.append(replacement)
        assert replacement.bind("transmitter").status == 0
    finally:
        for esme in sessions:
            esme.close()


def test_second_bind_on_a_bound_connection_is_already_bound(devino_mock):
    with raw_esme(devino_mock.ports["smpp"]) as raw:
        assert raw.bind() == 0x05  # ESME_RALYBND
        assert raw.bind(mode="bind_receiver") == 0x05


def test_requests_before_bind(devino_mock):
    with raw_esme(devino_mock.ports["smpp"], bind=False) as raw:
        raw.send_raw(raw.header(0x04, body=submit_sm_body()))
        assert raw.read()[:2] == (0x80000004, 0x04)  # submit_sm_resp ESME_RINVBNDSTS
        raw.send_raw(raw.header(ENQUIRE_LINK))
        assert raw.read()[:2] == (0x80000015, 0)  # enquire_link is fine in any state
        raw.send_raw(raw.header(UNBIND))
        assert raw.read()[:2] == (0x80000006, 0x04)


@pytest.mark.parametrize("command_id", [0x04, 0x103, 0x08, 0x07, 0x21])  # submit_sm, data_sm, cancel, replace, multi
def test_a_receiver_cannot_send(devino_mock, command_id):
    with raw_esme(devino_mock.ports["smpp"], mode="bind_receiver") as raw:
        raw.send_raw(raw.header(command_id, body=submit_sm_body()))
        assert raw.read()[:2] == (0x80000000 | command_id, 0x04)


def test_enquire_link_from_the_esme(devino_mock):
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:
        for _ in range(3):  # any frequency is fine (smpplib sends one on every read timeout)
            esme.client.send_pdu(smpplib.smpp.make_pdu("enquire_link", client=esme.client))
            response = esme.client.read_pdu()
            assert (response.command, response.status) == ("enquire_link_resp", 0)


async def test_aiosmpplib_keepalive_is_answered(devino_mock):
    async with AioEsme(devino_mock.ports["smpp"], enquire_link_interval=0.05) as esme:
        assert (await esme.next(EnquireLinkResp)).command_status == 0


def test_smsc_sends_enquire_link_after_silence_and_keeps_an_answering_session(quick_links):
    with smpplib_esme(quick_links.ports["smpp"]) as esme:
        for _ in range(2):  # asked after 0.2 s of silence, and again after the next silence
            request = esme.client.read_pdu()
            assert request.command == "enquire_link"
            answer = smpplib.smpp.make_pdu("enquire_link_resp", client=esme.client)
            answer.sequence = request.sequence
            esme.client.send_pdu(answer)
        assert esme.submit()[0] == 0


def test_smsc_closes_a_link_that_does_not_answer_enquire_link(quick_links):
    with raw_esme(quick_links.ports["smpp"]) as raw:
        assert raw.read()[0] == ENQUIRE_LINK
        assert raw.closed_by_peer(timeout=3)


def test_unbind_answers_and_closes(devino_mock):
    with raw_esme(devino_mock.ports["smpp"]) as raw:
        raw.send_raw(raw.header(UNBIND))
        assert raw.read()[:2] == (0x80000006, 0)
        assert raw.closed_by_peer()
    esme = SmpplibEsme(devino_mock.ports["smpp"])
    esme.bind()
    assert esme.client.unbind().status == 0
    esme.close()


async def test_aiosmpplib_stop_unbinds(devino_mock):
    async with AioEsme(devino_mock.ports["smpp"]) as esme:
        pass
    assert esme.esme.session_state.name == "CLOSED"
    # the session no longer counts: four more binds fit
    sessions = [SmpplibEsme(devino_mock.ports["smpp"]) for _ in range(4)]
    try:
        assert all(s.bind().status == 0 for s in sessions)
    finally:
        for s in sessions:
            s.close()


def test_generic_nack_from_the_esme_resets_the_session_with_unbind(devino_mock):
    with raw_esme(devino_mock.ports["smpp"]) as raw:
        raw.send_raw(raw.header(GENERIC_NACK, status=0x03))
        command_id, _, sequence, _ = raw.read()
        assert command_id == UNBIND
        raw.send_raw(raw.header(0x80000006, sequence=sequence))  # unbind_resp
        assert raw.closed_by_peer()


def test_unanswered_unbind_from_the_smsc_closes_anyway(quick_links):
    """smpplib never answers the SMSC's unbind: the SMSC closes after a short wait."""
    with smpplib_esme(quick_links.ports["smpp"]) as esme:
        esme.client.send_pdu(smpplib.smpp.make_pdu("generic_nack", client=esme.client, status=0x03))
        received = esme.client.read_pdu()
        while received.command == "enquire_link":
            received = esme.client.read_pdu()
        assert received.command == "unbind"
        with pytest.raises(smpplib.exceptions.ConnectionError):
            while True:
                esme.client.read_pdu()


def test_many_concurrent_sessions(devino_mock):
    port = devino_mock.ports["smpp"]
    logins = [f"load{i}" for i in range(8)]
    for login in logins:
        devino_mock.add_account(login, "pw")

    def work(login: str) -> list[str]:
        with smpplib_esme(port, login=login, password="pw") as esme:
            return [esme.submit(f"load {n}".encode())[1] for n in range(10)]

    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        ids = list(pool.map(work, [login for login in logins for _ in range(4)]))
    flat = [i for batch in ids for i in batch]
    assert len(set(flat)) == 320 and all(flat)
    assert len(devino_mock.messages(transport="smpp")) == 320


async def test_many_concurrent_aiosmpplib_sessions(devino_mock):
    for n in range(4):
        devino_mock.add_account(f"aio{n}", "pw")

    async def work(login: str) -> list[str]:
        async with AioEsme(devino_mock.ports["smpp"], login=login, password="pw") as esme:
            for n in range(5):
                await esme.send(SubmitSm(short_message=f"{login} {n}", source=PhoneNumber("DEVINO", TON.ALPHANUMERIC, NPI.ISDN),
                                         destination=PhoneNumber("79161234567", TON.INTERNATIONAL, NPI.ISDN)))
            return [(await esme.next(SubmitSmResp)).message_id for _ in range(5)]

    ids = await asyncio.gather(*(work(f"aio{n}") for n in range(4) for _ in range(2)))
    assert len({i for batch in ids for i in batch}) == 40
    assert len(devino_mock.messages(transport="smpp")) == 40


def test_a_misbehaving_session_does_not_disturb_others(devino_mock):
    port = devino_mock.ports["smpp"]
    with smpplib_esme(port) as good:
        abusers = [RawEsme(port) for _ in range(3)]
        try:
            abusers[0].send_raw(b"\x00\x00\x00\x05garbage")  # impossible command_length
            abusers[1].send_raw(b"\x00\x00\x01\x00\x00\x00\x00\x04")  # a PDU that never completes
            abusers[2].bind()
            abusers[2].send_raw(abusers[2].header(0x04, body=b"\x00\x05"))  # truncated submit_sm
            for n in range(5):
                assert good.submit(f"still fine {n}".encode())[0] == 0
            assert abusers[0].closed_by_peer()
            assert abusers[2].read()[:2] == (GENERIC_NACK, 0x02)
        finally:
            for abuser in abusers:
                abuser.close()
