"""Hostile SMPP clients (issue 9): half-finished long messages are bounded per session and
per account; one more first part is answered ESME_RMSGQFUL (0x14, "Message Queue Full",
documented as "retry later"); completing or expiring messages frees room."""

from __future__ import annotations

import contextlib
import logging
import socket
import time

from tests.smpp_support import smpplib_esme

ESME_RMSGQFUL = 0x14
PER_SESSION, PER_ACCOUNT = 100, 250


def first_part(esme, reference: int, total: int = 255):
    """Part 1 of a `total`-part message (8-bit UDH concatenation)."""
    udh = bytes([5, 0x00, 3, reference % 256, total, 1])
    return esme.submit(udh + b"part one", esm_class=0x40, destination=f"7916{reference:07d}")


def last_part(esme, reference: int):
    udh = bytes([5, 0x00, 3, reference % 256, 2, 2])
    return esme.submit(udh + b"part two", esm_class=0x40, destination=f"7916{reference:07d}")


def test_incomplete_long_messages_are_capped_per_session(devino_mock):
    devino_mock.add_account("smpp_rich", "rich1", balance="1000000", tariffs={"": "1"})
    with smpplib_esme(devino_mock.ports["smpp"], login="smpp_rich", password="rich1") as esme:
        assert {first_part(esme, n, total=2)[0] for n in range(PER_SESSION)} == {0}
        status, message_id = first_part(esme, PER_SESSION, total=2)
        assert (status, message_id) == (ESME_RMSGQFUL, "")
        # Finishing one message makes room for one more.
        assert last_part(esme, 0)[0] == 0
        assert first_part(esme, PER_SESSION, total=2)[0] == 0
        assert first_part(esme, PER_SESSION + 1, total=2)[0] == ESME_RMSGQFUL
    assert len(devino_mock.messages(login="smpp_rich")) == 1  # only the completed one


def test_incomplete_long_messages_are_capped_per_account_across_sessions(devino_mock):
    devino_mock.add_account("smpp_rich", "rich1", balance="1000000", tariffs={"": "1"})
    port = devino_mock.ports["smpp"]
    with contextlib.ExitStack() as stack:
        sessions = [stack.enter_context(smpplib_esme(port, login="smpp_rich", password="rich1")) for _ in range(3)]
        statuses = [first_part(esme, n + 1000 * index) [0]
                    for index, esme in enumerate(sessions) for n in range(PER_SESSION)]
    assert statuses.count(0) == PER_ACCOUNT
    assert statuses[PER_ACCOUNT:] == [ESME_RMSGQFUL] * (3 * PER_SESSION - PER_ACCOUNT)
    # A new session of the same account gains nothing until the reassembly timeout (10 min
    # of virtual time) sends what arrived of each and frees the room.
    with smpplib_esme(port, login="smpp_rich", password="rich1") as esme:
        assert first_part(esme, 5000)[0] == ESME_RMSGQFUL
        devino_mock.advance(601)
        assert first_part(esme, 5001)[0] == 0
    assert len(devino_mock.messages(login="smpp_rich")) == PER_ACCOUNT


def test_other_accounts_are_not_affected(devino_mock):
    devino_mock.add_account("smpp_rich", "rich1", balance="1000000", tariffs={"": "1"})
    with smpplib_esme(devino_mock.ports["smpp"], login="smpp_rich", password="rich1") as esme:
        for n in range(PER_SESSION + 1):
            first_part(esme, n)
        with smpplib_esme(devino_mock.ports["smpp"]) as other:
            assert first_part(other, 1, total=2)[0] == 0
            assert last_part(other, 1)[0] == 0


def test_a_client_leaving_mid_pdu_leaves_no_error_in_the_log(devino_mock, caplog):
    caplog.set_level(logging.INFO)
    with socket.create_connection((devino_mock.host, devino_mock.ports["smpp"])) as sock:
        sock.sendall(b"\x00\x00\x00\x40\x00\x00\x00\x04\x00")  # a submit_sm header, cut off
    with smpplib_esme(devino_mock.ports["smpp"]) as esme:  # the SMSC has seen the close by now
        assert esme.submit(b"after")[0] == 0
    time.sleep(0.05)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []
