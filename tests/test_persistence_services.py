"""--data-dir beyond messages (mock-interface.md §15): FTP uploads and what became of them, the
drop-folder arrangements, and the work still due on the virtual clock (an archive not yet
polled, a contact import half written, a campaign half sent) survive a restart, and what was
done before it is not done again. The clock is frozen first, so nothing moves in real time
between the steps: only the test's advances do."""

from __future__ import annotations

import datetime
import signal
from pathlib import Path

import requests

from devino_mock import fixtures as fixture_files
from devino_mock.core.platform import ByAccount, Platform, SmsRequest
from devino_mock.core.store.sqlite import SqliteStore
from devino_mock.protocols.ftp.folder import PROCESSING, UPLOAD, DropFolder, Upload
from devino_mock.pytest_plugin import DevinoMock
from tests.email_http_helpers import LETTER, SENDER, book, client, email, group_with
from tests.ftp_helpers import drop, plain_archive, template_archive
from tests.imsi_helpers import NUMBER, SIM, behave, recheck, send, subscribers
from tests.support import FREE_PORTS as FREE, EmulatorProcess

OTHER = "79160000002"


def started(data: Path) -> tuple[EmulatorProcess, DevinoMock]:
    process = EmulatorProcess(*FREE, "--data-dir", str(data))
    return process, DevinoMock(process.url, process.ports)


def freeze(mock: DevinoMock) -> None:
    assert requests.post(f"{mock.url}/_mock/clock/freeze").json()["frozen"] is True


def stopped(process: EmulatorProcess, kill: bool = False) -> None:
    """SIGTERM (a clean stop) or SIGKILL (nothing is flushed on the way out)."""
    if kill:
        process.process.kill()
        process.process.wait(10)
    else:
        assert process.signal(signal.SIGTERM) == 0


# --- FTP -----------------------------------------------------------------------------------------

def test_ftp_uploads_and_their_outcomes_survive_a_restart(tmp_path):
    data = tmp_path / "state"
    first, mock = started(data)
    with first:
        freeze(mock)
        mock.ftp_options("test_login", mode="plain", sender="TESTSMS", validity=60)
        drop(mock, plain_archive("TELNR_LONG;TEXT\n79031234567;first\n79161234567;second\n"),
             "test_login_20240115103000.zip")
        mock.advance(10)
        drop(mock, b"a note", "readme.txt")
        drop(mock, plain_archive("TELNR_LONG;TEXT\n79031234568;after the restart\n"), "test_login_20240115103100.zip")
        before = mock.ftp_files()
        assert [(f["name"], f["status"]) for f in before] == [
            ("test_login_20240115103000.zip", "processed"), ("readme.txt", "ignored"),
            ("test_login_20240115103100.zip", "pending")]
        assert len(mock.messages(transport="ftp")) == 2
        stopped(first)

    second, mock = started(data)
    with second:
        assert requests.get(f"{mock.url}/_mock/ftp").json()["root"] == str(data / "ftp")
        assert mock.ftp_files() == before  # the same ids, statuses, notes, rows and message ids
        assert mock.ftp_file(before[0]["id"]) == before[0]
        assert mock.ftp_options("test_login")["sender"] == "TESTSMS"
        mock.advance(10)  # the archive uploaded before the stop is processed at the next poll
        after = mock.ftp_files()
        assert after[:2] == before[:2]
        assert (after[2]["status"], after[2]["accepted"]) == ("processed", 1)
        sent = mock.messages(transport="ftp")
        assert sorted(m["destination"] for m in sent) == ["79031234567", "79031234568", "79161234567"]
        assert {m["source"] for m in sent} == {"TESTSMS"}  # the arrangements applied after the restart too
        assert [m["extra"]["ftp_file_id"] for m in sent] == [before[0]["id"]] * 2 + [before[2]["id"]]
        drop(mock, b"another note", "later.txt")
        assert mock.ftp_files()[-1]["id"] > before[-1]["id"]  # upload ids never repeat
        assert not any((data / "ftp" / "test_login").glob("*.zip"))  # processed archives leave the folder
        stopped(second)


def test_an_upload_answered_226_survives_sigkill_and_resets_forget_uploads_for_good(tmp_path):
    data = tmp_path / "state"
    first, mock = started(data)
    with first:
        freeze(mock)
        mock.add_account("other", "other1")
        mock.ftp_options("other", utc_offset=5)
        drop(mock, template_archive(), "test_login_20240115103000.zip")
        drop(mock, template_archive(), "other_20240115103000.zip", login="other", password="other1")
        stopped(first, kill=True)  # right after the 226: nothing is flushed on the way out

    second, mock = started(data)
    with second:
        assert [(f["login"], f["status"]) for f in mock.ftp_files()] == [("test_login", "pending"), ("other", "pending")]
        mock.reset(login="other")  # a scoped reset: the account's uploads, arrangements and files go
        assert [f["login"] for f in mock.ftp_files()] == ["test_login"]
        assert mock.ftp_options("other")["utc_offset"] == 3.0
        assert list((data / "ftp" / "other").iterdir()) == []
        stopped(second)

    third, mock = started(data)
    with third:
        assert [f["login"] for f in mock.ftp_files()] == ["test_login"]
        mock.reset()  # a full reset forgets the rest and empties every home, even one of an earlier run
        assert mock.ftp_files() == []
        assert list((data / "ftp" / "test_login").iterdir()) == []
        stopped(third)

    fourth, mock = started(data)
    with fourth:
        assert mock.ftp_files() == []
        mock.advance(10)
        assert mock.messages() == []  # the forgotten pending archive is not processed either
        stopped(fourth)


# --- address-book imports -------------------------------------------------------------------------

def test_a_contact_import_goes_on_after_a_restart_without_writing_a_contact_twice(tmp_path):
    data = tmp_path / "state"
    first, mock = started(data)
    with first:
        freeze(mock)
        group = book(mock, "POST", "ContactGroups", json={"Name": "bulk"}).json()["Result"]
        answer = book(mock, "POST", "ContactsImport", json={
            "ContactGroupId": group, "ImportId": "A1B2C3D4-0000-0000-0000-000000000001",
            "Contacts": [{"Email": f"bulk{i}@example.com"} for i in range(5000)]})
        assert answer.status_code == 201, answer.text
        mock.advance(2)  # 1000 contacts a second: about 2000 written, the rest still queued
        progress = book(mock, "GET", "ContactsImport/A1B2C3D4-0000-0000-0000-000000000001/Progress").json()["Result"]
        assert progress["Uploaded"] == 5000 and 1000 < progress["Processed"] < 5000
        stopped(first)

    second, mock = started(data)
    with second:
        path = "ContactsImport/A1B2C3D4-0000-0000-0000-000000000001/Progress"
        assert book(mock, "GET", path).json()["Result"] == progress
        mock.advance(10)
        assert book(mock, "GET", path).json()["Result"] == {"Uploaded": 5000, "Processed": 5000}
        assert book(mock, "GET", f"ContactGroups/{group}").json()["Result"]["ContactsCount"] == 5000
        found = book(mock, "GET", "Contacts", params={"Query": "bulk4999@example.com"},
                     headers={"Range": "items=1-100"}).json()["Result"]
        assert len(found) == 1
        stopped(second)


# --- campaigns -----------------------------------------------------------------------------------

def test_campaigns_resume_after_a_restart_and_send_each_letter_once(tmp_path):
    data = tmp_path / "state"
    first, mock = started(data)
    with first:
        freeze(mock)
        running = group_with(mock, [f"u{i}@example.com" for i in range(300)])
        later = group_with(mock, ["late@example.com"], name="later")
        api = client(mock)
        running_task = api.add_task("spring", SENDER, "Shop", "Hello [FirstName]", LETTER,
                                    contact_list=[(running, True)]).result["TaskId"]
        now = datetime.datetime.fromisoformat(mock.now().replace("Z", "+00:00")).replace(tzinfo=None)
        waiting_task = api.add_task("summer", SENDER, "Shop", "Hi", LETTER, contact_list=[(later, True)],
                                    start=now + datetime.timedelta(hours=1)).result["TaskId"]
        for task_id in (running_task, waiting_task):
            assert email(mock, "PUT", f"Tasks/{task_id}/State", json={"State": "created"}).status_code == 200
        mock.advance(1)  # 100 letters a second: about a third are out
        out = len(mock.messages(channel="email"))
        assert 100 <= out < 300
        stopped(first)

    second, mock = started(data)
    with second:
        api = client(mock)
        assert len(mock.messages(channel="email")) == out
        assert api.get_task(running_task).result["State"] == "Started"
        mock.advance(5)
        sent = [m["destination"] for m in mock.messages(channel="email")]
        assert sorted(sent) == sorted(f"u{i}@example.com" for i in range(300))  # each once
        assert api.get_task(running_task).result["State"] == "Finished"
        mock.advance(3600)  # the other campaign's StartDateTime, set before the restart
        assert [m["destination"] for m in mock.messages(channel="email")][300:] == ["late@example.com"]
        assert api.get_task(waiting_task).result["State"] == "Finished"
        stopped(second)


# --- IMSI lookups ----------------------------------------------------------------------------------

def test_an_imsi_lookup_under_way_survives_a_restart_and_a_reset_forgets_it(tmp_path):
    data = tmp_path / "state"
    first, mock = started(data)
    with first:
        freeze(mock)
        mock.add_account("bank", "bank1", imsi={NUMBER: SIM, OTHER: SIM}, imsi_check={"enabled": True})
        behave(mock, "unavailable")
        send(mock, NUMBER)
        mock.advance(0.5)  # NUMBER's first lookup failed: the retry is a minute away
        send(mock, OTHER)  # OTHER's first lookup is 500 ms away
        before = subscribers(mock)
        assert (before[NUMBER]["status"], before[OTHER]["status"]) == ("pending", "pending")
        assert [r["result"] for r in before[NUMBER]["requests"]] == ["unavailable"]
        stopped(first, kill=True)  # what the control calls answered is kept

    second, mock = started(data)
    with second:
        assert subscribers(mock) == before
        mock.advance(0.5)
        other = subscribers(mock)[OTHER]
        assert (other["status"], other["reference_imsi"]) == ("reference_set", SIM)
        assert [(r["trigger"], r["at"]) for r in other["requests"]] == [("first_sms", before[OTHER]["next_lookup_at"])]
        behave(mock, "ok")
        mock.advance(59.5)  # the retry scheduled before the restart, and only it
        after = subscribers(mock)[NUMBER]
        assert (after["status"], after["reference_imsi"]) == ("reference_set", SIM)
        assert [(r["result"], r["at"]) for r in after["requests"]] == [
            ("unavailable", before[NUMBER]["requests"][0]["at"]), ("ok", before[NUMBER]["next_lookup_at"])]
        behave(mock, "unavailable", OTHER)
        recheck(mock, OTHER)
        mock.reset()
        stopped(second)

    third, mock = started(data)
    with third:
        freeze(mock)
        mock.add_account("bank", "bank1", imsi={NUMBER: SIM, OTHER: SIM}, imsi_check={"enabled": True})
        mock.advance(3600)
        assert {n: (s["status"], s["requests"]) for n, s in subscribers(mock).items()} == {
            NUMBER: ("no_reference", []), OTHER: ("no_reference", [])}
        stopped(third)


# --- directly on the store and the folder (what no test can time over a socket) ------------------

def test_stored_records_come_back_oldest_first(tmp_path):
    """records(kind) is oldest first after a restart too: not in key order ("b10" < "b2"), and
    an update does not move a record to the end."""
    store = SqliteStore(tmp_path)
    for key in ("b2", "b10", "a"):
        store.put("test.kind", key, {"key": key})
    store.flush()
    store.put("test.kind", "b2", {"key": "b2", "changed": True})
    store.close()
    reopened = SqliteStore(tmp_path)
    assert [r["key"] for r in reopened.records("test.kind")] == ["b2", "b10", "a"]
    reopened.close()


def test_an_archive_cut_off_while_sending_is_settled_from_the_journal(tmp_path):
    """A large archive is sent in slices and its record written when it is done; a stop in
    between leaves it `processing`. After the restart it lists the rows that were sent (their
    messages carry the file's id) and sends nothing again."""
    platform = Platform(fixture_files.load(None), store=SqliteStore(tmp_path / "state"))
    home = tmp_path / "ftp" / "test_login"
    upload = Upload(7, "test_login", str(home / "big.zip"), "big.zip", "/big.zip", 100_000, platform.now(),
                    status=PROCESSING)
    platform.store.put(UPLOAD, "7", upload)
    [message] = platform.send(ByAccount("test_login"), SmsRequest(
        source="TESTSMS", destinations=["79031234567"], text="row two", transport="ftp",
        extra={"ftp_file": "big.zip", "ftp_line": 2, "ftp_file_id": 7}))
    platform.store.close()

    platform = Platform(fixture_files.load(None), store=SqliteStore(tmp_path / "state"))
    folder = DropFolder(platform, tmp_path / "ftp", 10.0)
    folder.resume()
    [settled] = folder.uploads()
    assert (settled.status, settled.accepted) == ("processed", 1)
    assert settled.rows == [{"line": 2, "phone": "79031234567", "text": "row two", "status": "accepted",
                             "message_id": message.id, "ids": list(message.ids)}]
    assert settled.note.startswith("devino-mock stopped while sending this archive; 1 rows were sent")
    [submission] = platform.submissions(transport="ftp")
    assert (submission.details["file_id"], submission.message_ids) == (7, [message.id])
    assert len(platform.messages()) == 1
    platform.store.close()
