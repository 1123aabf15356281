"""Hostile and careless FTP uploads (issue 9): rows are checked before any is sent, dates out
of range are refused, the files view always renders, large archives are processed without
holding the loop, and a NUL in a file name is a 501 rather than a dropped connection."""

from __future__ import annotations

import ftplib
import io
import time

import pytest
import requests

from tests.ftp_helpers import CONTACTS, connect, drop, plain_archive, processed, put, template_archive


def wait_done(mock, name: str, login: str, timeout: float = 60) -> dict:
    """A large archive is worked on in real time after the poll: wait for its outcome."""
    deadline = time.monotonic() + timeout
    while True:
        [upload] = [f for f in mock.ftp_files(login=login) if f["name"] == name]
        if upload["status"] not in ("pending", "processing") or time.monotonic() > deadline:
            return upload
        time.sleep(0.05)


@pytest.mark.parametrize("senddate", ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "1752-12-31T10:00:00"])
def test_a_row_with_an_out_of_range_senddate_is_rejected_alone(devino_mock, senddate):
    contacts = f"phone;senddate\n79031234567;\n79161234567;{senddate}\n"
    template = "message;sourceaddress;localtime\nhi;TESTSMS;1\n"
    upload = processed(devino_mock, template_archive(contacts, template))
    assert upload["status"] == "processed"
    [good, bad] = upload["rows"]
    assert (good["status"], bad["status"], bad["error"]) == ("accepted", "rejected", "invalid_senddate")
    assert bad["detail"] == f"senddate {senddate!r} is not YYYY-MM-DDThh:mm:ss (years 1753-9998)"
    [message] = devino_mock.messages()
    assert message["id"] == good["message_id"]
    assert devino_mock.account("test_login")["balance"] == 1000.0 - message["price"]


def test_an_out_of_range_default_senddate_rejects_the_archive_and_costs_nothing(devino_mock):
    template = "message;sourceaddress;senddate;localtime\nhi;TESTSMS;0001-01-01T00:00:00;1\n"
    upload = processed(devino_mock, template_archive(CONTACTS, template))
    assert (upload["status"], upload["note"]) == (
        "rejected", "template.csv: senddate '0001-01-01T00:00:00' is not YYYY-MM-DDThh:mm:ss (years 1753-9998)")
    assert devino_mock.messages() == []
    assert devino_mock.account("test_login")["balance"] == 1000.0


def test_rows_beyond_the_balance_are_rejected_and_never_charged(devino_mock):
    devino_mock.add_account("ftp_two", "two1", balance="2", tariffs={"": "1"})
    rows = "TELNR_LONG;TEXT\n" + "".join(f"7903123456{n};hi\n" for n in range(4))
    upload = processed(devino_mock, plain_archive(rows), name="ftp_two_20240115103000.zip", login="ftp_two", password="two1")
    assert upload["status"] == "processed"
    assert [r["status"] for r in upload["rows"]] == ["accepted", "accepted", "rejected", "rejected"]
    assert {r.get("error") for r in upload["rows"][2:]} == {"insufficient_funds"}
    assert sorted(m["id"] for m in devino_mock.messages()) == sorted(upload["message_ids"])
    assert devino_mock.account("ftp_two")["balance"] == 0.0
    assert requests.get(f"{devino_mock.url}/_mock/ftp/files").status_code == 200


def test_a_large_archive_is_processed_in_slices_and_every_row_is_accounted_for(devino_mock):
    devino_mock.add_account("ftp_rich", "rich1", balance="100000", tariffs={"": "1"})
    rows = "TELNR_LONG;TEXT\n" + "".join(f"7903{i:07d};hello there\n" for i in range(20_000))
    name = "ftp_rich_20240115103000.zip"
    drop(devino_mock, plain_archive(rows), name, "ftp_rich", "rich1")
    devino_mock.advance(10)
    # While it is being worked on, the view renders and the platform answers.
    assert requests.get(f"{devino_mock.url}/_mock/ftp/files", timeout=5).status_code == 200
    upload = wait_done(devino_mock, name, "ftp_rich")
    assert (upload["status"], upload["accepted"], upload["rejected"]) == ("processed", 20_000, 0)
    assert len(upload["rows"]) == 20_000
    assert len(upload["message_ids"]) == 20_000 and upload["message_ids"][0] == upload["rows"][0]["message_id"]
    # Written a piece at a time, it is still one JSON document, the same one by id.
    assert requests.get(f"{devino_mock.url}/_mock/ftp/files/{upload['id']}").json() == upload
    summary = requests.get(f"{devino_mock.url}/_mock/ftp/files", params={"login": "ftp_rich", "rows": "false"}).json()
    assert summary == [{k: v for k, v in upload.items() if k not in ("rows", "message_ids")}]
    bad = requests.get(f"{devino_mock.url}/_mock/ftp/files", params={"rows": "maybe"})
    assert bad.status_code == 400 and bad.json() == {"error": "'rows' must be true or false"}
    assert devino_mock.account("ftp_rich")["balance"] == 80_000.0
    assert len(devino_mock.messages(login="ftp_rich")) == 20_000


def test_archives_behind_a_large_one_wait_their_turn(devino_mock):
    devino_mock.add_account("ftp_rich", "rich1", balance="100000", tariffs={"": "1"})
    big = "TELNR_LONG;TEXT\n" + "".join(f"7903{i:07d};big\n" for i in range(5_000))
    with connect(devino_mock, "ftp_rich", "rich1") as ftp:
        put(ftp, "ftp_rich_20240101000000.zip", plain_archive(big))
        put(ftp, "ftp_rich_20240102000000.zip", plain_archive("TELNR_LONG;TEXT\n79160000001;small\n"))
    devino_mock.advance(10)
    first = wait_done(devino_mock, "ftp_rich_20240101000000.zip", "ftp_rich")
    second = wait_done(devino_mock, "ftp_rich_20240102000000.zip", "ftp_rich")
    assert (first["status"], second["status"]) == ("processed", "processed")
    assert first["processed_at"] <= second["processed_at"]
    small = devino_mock.message(second["message_ids"][0])
    assert all(devino_mock.message(i)["created_at"] <= small["created_at"] for i in first["message_ids"][-3:])


def test_a_nul_in_a_file_name_is_a_501_and_the_connection_stays(devino_mock):
    with connect(devino_mock) as ftp:
        with pytest.raises(ftplib.error_perm, match=r"^501 Syntax error: NUL characters are not allowed\.$"):
            ftp.storbinary("STOR bad\x00name.zip", io.BytesIO(b"data"))
        with pytest.raises(ftplib.error_perm, match=r"^501 "):
            ftp.sendcmd("DELE x\x00y")
        assert ftp.pwd() == "/"
        assert put(ftp, "test_login_20240115103000.zip", plain_archive()).startswith("226")
    assert [f["name"] for f in devino_mock.ftp_files()] == ["test_login_20240115103000.zip"]
