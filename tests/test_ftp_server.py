"""The FTP listener and the drop folder (ftp.md §1, §2.6): logins against the platform
accounts, one home per account, the commands the documentation lists, polling on the virtual
clock, earliest archive first, processed files removed, the control view and reset."""

import ftplib
import io
from datetime import datetime, timedelta

import pytest
import requests

from tests.ftp_helpers import NAME, connect, drop, files, plain_archive, processed, put, set_options, template_archive


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_greeting_and_login_with_the_platform_password(devino_mock):
    ftp = ftplib.FTP()
    assert ftp.connect(devino_mock.host, devino_mock.ports["ftp"], timeout=10).startswith("220 ")
    assert ftp.login("test_login", "test123") == "230 Login successful."
    assert ftp.pwd() == "/" and ftp.nlst() == []
    assert ftp.quit().startswith("221")


@pytest.mark.parametrize("login, password", [("test_login", "wrong"), ("nobody", "test123"), ("blocked", "blocked1"), ("test_login", "")])
def test_wrong_unknown_or_disabled_accounts_cannot_log_in(devino_mock, login, password):
    ftp = ftplib.FTP()
    ftp.connect(devino_mock.host, devino_mock.ports["ftp"], timeout=10)
    with pytest.raises(ftplib.error_perm, match="^530 Authentication failed"):
        ftp.login(login, password)
    ftp.close()


def test_accounts_added_through_the_control_api_log_in_at_once_and_password_changes_apply(devino_mock):
    devino_mock.add_account("fresh", "fresh1", balance="5")
    upload = processed(devino_mock, plain_archive(), name="fresh_20240115103000.zip", login="fresh", password="fresh1")
    assert upload["accepted"] == 1 and devino_mock.messages()[0]["login"] == "fresh"
    devino_mock.add_account("fresh", "fresh2", balance="5")
    ftp = ftplib.FTP()
    ftp.connect(devino_mock.host, devino_mock.ports["ftp"], timeout=10)
    with pytest.raises(ftplib.error_perm):
        ftp.login("fresh", "fresh1")
    ftp.close()
    connect(devino_mock, "fresh", "fresh2").quit()


def test_each_account_has_its_own_home(devino_mock):
    drop(devino_mock, b"just text", "mine.txt")
    with connect(devino_mock, "test", "11111") as ftp:
        assert ftp.nlst() == []
        put(ftp, "theirs.txt", b"x")
    with connect(devino_mock) as ftp:
        assert ftp.nlst() == ["mine.txt"]


@pytest.mark.parametrize("passive", [True, False])
def test_upload_list_download_delete_in_passive_and_active_mode(devino_mock, passive):
    data = template_archive()
    with connect(devino_mock, passive=passive) as ftp:
        put(ftp, NAME, data)
        listing: list[str] = []
        ftp.retrlines("LIST", listing.append)  # switches to TYPE A
        assert len(listing) == 1 and listing[0].endswith(NAME)
        ftp.sendcmd("TYPE I")
        assert ftp.size(NAME) == len(data)
        fetched = io.BytesIO()
        ftp.retrbinary(f"RETR {NAME}", fetched.write)
        assert fetched.getvalue() == data
        ftp.mkd("tmp")
        ftp.cwd("tmp")
        ftp.cwd("..")
        ftp.sendcmd("CDUP")
        ftp.rmd("tmp")
        assert ftp.delete(NAME).startswith("250")
        assert ftp.nlst() == []


def test_processing_waits_for_the_next_poll_of_the_virtual_clock(devino_mock):
    drop(devino_mock, template_archive())
    [upload] = files(devino_mock)
    state = requests.get(f"{devino_mock.url}/_mock/ftp").json()
    assert state["poll_interval"] == 10
    if upload["status"] == "pending":  # the real-time ticker may already have reached the poll
        next_poll = _at(state["next_poll"])
        assert _at(upload["uploaded_at"]) < next_poll <= _at(upload["uploaded_at"]) + timedelta(seconds=10)
        assert next_poll.timestamp() % 10 == 0
        assert devino_mock.messages() == []
        with connect(devino_mock) as ftp:
            assert ftp.nlst() == [NAME]
    devino_mock.advance(10)
    [upload] = files(devino_mock)
    assert upload["status"] == "processed" and _at(upload["processed_at"]) >= _at(upload["uploaded_at"])
    assert requests.get(f"{devino_mock.url}/_mock/ftp").json()["next_poll"] is None
    with connect(devino_mock) as ftp:
        assert ftp.nlst() == []  # "после чего он удаляется с FTP-сервера"
    assert len(devino_mock.messages(transport="ftp")) == 2


def test_earliest_archive_first_by_the_time_in_its_name(devino_mock):
    with connect(devino_mock) as ftp:
        put(ftp, "test_login_20240102000000.zip", plain_archive("TELNR_LONG;TEXT\n79030000002;second\n"))
        put(ftp, "test_login_20240101000000.zip", plain_archive("TELNR_LONG;TEXT\n79030000001;first\n"))
        put(ftp, "test_login_20240103000000.zip", plain_archive("TELNR_LONG;TEXT\n79030000003;third\n"))
    devino_mock.advance(10)
    messages = devino_mock.messages()
    assert [m["text"] for m in messages] == ["first", "second", "third"]
    assert [int(m["id"]) for m in messages] == sorted(int(m["id"]) for m in messages)


def test_names_that_do_not_follow_the_pattern_are_processed_with_a_warning(devino_mock):
    upload = processed(devino_mock, plain_archive(), name="upload.zip")
    assert upload["status"] == "processed"
    assert upload["warnings"] == ["the name 'upload.zip' does not follow <login>_<YYYYMMDDhhmmss>.zip; processed anyway"]
    upload = processed(devino_mock, plain_archive(), name="guest_20120207231932.zip")
    assert upload["warnings"] == ["the name's login 'guest' is not the FTP user 'test_login'; processed anyway"]
    upload = processed(devino_mock, plain_archive(), name="test_login_20121307231932.ZIP")
    assert upload["warnings"] == ["'20121307231932' in the name is no valid YYYYMMDDhhmmss; processed anyway"]


def test_layout_leniency_is_reported(devino_mock):
    from tests.ftp_helpers import archive
    upload = processed(devino_mock, archive({"contacts.csv": "phone\n79031234567\n", "template.csv": "message;sourceaddress\nhi;TESTSMS\n"}))
    assert upload["status"] == "processed"
    assert upload["warnings"] == ["the files are at the archive root, not in the folder 'sms'; processed anyway"]
    upload = processed(devino_mock, archive({"SMS/Name.CSV": "TELNR_LONG;TEXT\n79031234567;x\n", "SMS/readme/x.txt": "x", "__MACOSX/._x": "x"}),
                       name="test_login_20240115103001.zip")
    assert upload["status"] == "processed"
    assert upload["warnings"] == ["'SMS/readme/x.txt' is outside the folder 'sms'; ignored"]


def test_uploading_the_same_name_again_replaces_the_pending_file(devino_mock):
    with connect(devino_mock) as ftp:
        put(ftp, NAME, plain_archive("TELNR_LONG;TEXT\n79031234567;old\n"))
        put(ftp, NAME, plain_archive("TELNR_LONG;TEXT\n79031234567;new\n"))
    devino_mock.advance(10)
    assert [(f["status"], f["note"]) for f in files(devino_mock)] == [
        ("replaced", "uploaded again before it was processed"), ("processed", None)]
    assert [m["text"] for m in devino_mock.messages()] == ["new"]


def test_upload_under_a_temporary_name_then_rename(devino_mock):
    with connect(devino_mock) as ftp:
        put(ftp, "batch.part", template_archive())
        ftp.rename("batch.part", NAME)
    devino_mock.advance(10)
    uploads = {f["name"]: f["status"] for f in files(devino_mock)}
    assert uploads == {"batch.part": "ignored", NAME: "processed"}
    assert len(devino_mock.messages()) == 2


def test_control_view_filters_and_single_file(devino_mock):
    processed(devino_mock, plain_archive())
    processed(devino_mock, b"nope", name="test_login_20240115103001.zip")
    processed(devino_mock, plain_archive(), name="test_20240115103000.zip", login="test", password="11111")
    assert [f["login"] for f in files(devino_mock, login="test")] == ["test"]
    [rejected] = files(devino_mock, status="rejected")
    assert rejected["note"] == "not a zip archive"
    single = requests.get(f"{devino_mock.url}/_mock/ftp/files/{rejected['id']}")
    assert single.status_code == 200 and single.json() == rejected
    missing = requests.get(f"{devino_mock.url}/_mock/ftp/files/9999")
    assert missing.status_code == 404 and missing.json() == {"error": "no uploaded file '9999'"}
    assert requests.get(f"{devino_mock.url}/_mock/ftp/nothing").status_code == 404


def test_account_options_are_validated(devino_mock):
    url = f"{devino_mock.url}/_mock/ftp/accounts/test_login"
    assert requests.get(url).json() == {"login": "test_login", "mode": "auto", "encoding": None, "sender": None,
                                        "validity": 1440, "utc_offset": 3.0}
    for body, error in [({"mode": "zip"}, "'mode' must be one of ['auto', 'template', 'plain']"),
                        ({"encoding": "klingon"}, "unknown encoding 'klingon'"),
                        ({"validity": 0}, "'validity' must be above 0 and 'utc_offset' within -14..14"),
                        ({"colour": 1}, "unknown FTP options ['colour']")]:
        response = requests.post(url, json=body)
        assert (response.status_code, response.json()) == (400, {"error": error})
    assert requests.post(url, data=b"{").status_code == 400
    set_options(devino_mock, "test_login", utc_offset=5)
    assert requests.delete(url).json()["utc_offset"] == 3.0


def test_client_utc_offset_is_arranged_per_account(devino_mock):
    set_options(devino_mock, "test_login", utc_offset=0)
    wall = (_at(devino_mock.now()) + timedelta(hours=6)).replace(microsecond=0)
    processed(devino_mock, template_archive(template=f"message;sourceaddress;senddate\nhi;TESTSMS;{wall:%Y-%m-%dT%H:%M:%S}\n"))
    assert _at(devino_mock.messages()[0]["send_at"]) == wall


def test_reset_forgets_uploaded_files(devino_mock):
    drop(devino_mock, template_archive())
    drop(devino_mock, b"left", "notes.txt")
    set_options(devino_mock, "test_login", mode="plain")
    devino_mock.reset()
    assert files(devino_mock) == []
    with connect(devino_mock) as ftp:
        assert ftp.nlst() == []
    devino_mock.advance(10)
    assert devino_mock.messages() == [] and files(devino_mock) == []
    assert requests.get(f"{devino_mock.url}/_mock/ftp/accounts/test_login").json()["mode"] == "auto"


def test_archives_are_journaled_as_ftp_submissions(devino_mock):
    good = processed(devino_mock, plain_archive())
    bad = processed(devino_mock, b"nope", name="test_login_20240115103001.zip")
    blocked = processed(devino_mock, template_archive(template="message;sourceaddress\nhi;OTHER\n"),
                        name="senders_20240115103000.zip", login="senders", password="senders1")
    journal = requests.get(f"{devino_mock.url}/_mock/submissions", params={"transport": "ftp"}).json()
    assert [(s["service"], s["login"], s["outcome"], s["error"], s["reason"]) for s in journal] == [
        ("drop_folder", "test_login", "accepted", None, None),
        ("drop_folder", "test_login", "rejected", "format", "not a zip archive"),
        ("drop_folder", "senders", "rejected", "invalid_source", "the sender 'OTHER' is not registered for this account"),
    ]
    assert journal[0]["message_ids"] == good["message_ids"]
    assert [s["details"]["file_id"] for s in journal] == [good["id"], bad["id"], blocked["id"]]
    assert journal[0]["details"]["rows"] == good["rows"]


def test_python_client_reads_files_and_options(devino_mock):
    upload = processed(devino_mock, plain_archive())
    assert devino_mock.ftp_file(upload["id"]) == upload
    assert devino_mock.ftp_options("test_login")["mode"] == "auto"
    assert devino_mock.ftp_options("test_login", mode="plain")["mode"] == "plain"


def test_account_disabled_after_the_upload_rejects_the_archive(devino_mock):
    devino_mock.add_account("later", "later1")
    drop(devino_mock, plain_archive(), "later_20240115103000.zip", "later", "later1")
    devino_mock.add_account("later", "later1", enabled=False)
    devino_mock.advance(10)
    [upload] = files(devino_mock)
    assert (upload["status"], upload["note"]) == ("rejected", "the account 'later' is disabled or gone")
    assert devino_mock.messages() == []
