"""Hostile or broken uploads: path traversal in member names and FTP paths, zip bombs (also
with lying size headers), encrypted, damaged and non-zip files, oversized uploads. Each is
refused with a clear reason, never stops the other files, and leaves nothing behind."""

import ftplib
import io
import struct
from pathlib import Path

import pytest
import requests

from tests.ftp_helpers import CONTACTS, NAME, TEMPLATE, archive, connect, files, processed, put, template_archive


def root(mock) -> Path:
    return Path(requests.get(f"{mock.url}/_mock/ftp").json()["root"])


def all_files(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())


@pytest.mark.parametrize("member", ["../evil.csv", "sms/../../evil.csv", "/etc/evil.csv", "..\\evil.csv", "C:/evil.csv"])
def test_member_names_that_escape_reject_the_archive(devino_mock, member):
    data = archive({"sms/contacts.csv": CONTACTS, "sms/template.csv": TEMPLATE, member: "x"})
    upload = processed(devino_mock, data)
    assert (upload["status"], upload["note"]) == ("rejected", f"unsafe member name {member!r} (absolute or with '..')")
    assert devino_mock.messages() == []
    assert all_files(root(devino_mock)) == []  # nothing extracted anywhere, the archive deleted


def test_ftp_paths_cannot_leave_the_home(devino_mock):
    devino_mock.add_account("other", "other1")
    with connect(devino_mock) as ftp:
        ftp.cwd("..")
        ftp.cwd("/../..")
        assert ftp.pwd() == "/"
        with pytest.raises(ftplib.error_perm):
            put(ftp, "../other/x.zip", b"PK")
        put(ftp, "/../../escape.zip", b"not a zip")
        assert ftp.nlst() == ["escape.zip"]
    with connect(devino_mock, "other", "other1") as ftp:
        assert ftp.nlst() == []
    assert all_files(root(devino_mock)) == ["test_login/escape.zip"]


def test_zip_bomb_by_total_size_is_refused_before_inflating(devino_mock):
    big = b"0" * (16 * 1024 * 1024 + 1)
    data = archive({"sms/contacts.csv": CONTACTS, "sms/template.csv": TEMPLATE, "sms/pad.bin": big})
    assert len(data) < 100_000
    upload = processed(devino_mock, data)
    assert upload["status"] == "rejected"
    assert upload["note"].startswith("the archive unpacks to ") and upload["note"].endswith("at most 16777216 are accepted")


def test_too_many_members_are_refused(devino_mock):
    members = {f"sms/f{i}.bin": "" for i in range(101)}
    upload = processed(devino_mock, archive({"sms/contacts.csv": CONTACTS, "sms/template.csv": TEMPLATE, **members}))
    assert upload["note"] == "the archive has 103 members; at most 100 are accepted"


def test_a_member_lying_about_its_size_cannot_inflate_past_it(devino_mock):
    real = "phone\n" + "79031234567\n" * 50_000
    data = bytearray(template_archive(real, TEMPLATE))
    # Claim 10 bytes uncompressed for contacts.csv in both the local and the central header.
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, 10)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)
    upload = processed(devino_mock, bytes(data))
    assert upload["status"] == "rejected" and upload["note"].startswith("damaged or unsupported zip archive")
    assert devino_mock.messages() == []


def test_password_protected_archive_is_refused(devino_mock):
    data = bytearray(template_archive())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            data[at + flag_at] |= 0x01
            at = data.find(signature, at + 4)
    upload = processed(devino_mock, bytes(data))
    assert (upload["status"], upload["note"]) == ("rejected", "the archive is password-protected; upload it without a password")


@pytest.mark.parametrize("content, reason", [
    (b"phone;attr1\n79031234567;x\n", "not a zip archive"),
    (b"", "not a zip archive"),
    (b"PK\x03\x04" + b"\x00" * 40, "damaged or unsupported zip archive: File is not a zip file"),
    (archive({}), "the archive contains no files"),
    (archive({"a/contacts.csv": CONTACTS, "b/template.csv": TEMPLATE}), "expected the files in the folder 'sms' of the archive"),
])
def test_non_zip_or_damaged_zip_named_zip_is_rejected_and_deleted(devino_mock, content, reason):
    upload = processed(devino_mock, content)
    assert (upload["status"], upload["note"]) == ("rejected", reason)
    with connect(devino_mock) as ftp:
        assert ftp.nlst() == []


def test_files_not_named_zip_and_files_in_subfolders_are_left_alone(devino_mock):
    with connect(devino_mock) as ftp:
        put(ftp, "notes.txt", b"hello")
        ftp.mkd("sms")
        put(ftp, "sms/inner.zip", template_archive())
    devino_mock.advance(10)
    assert {(f["path"], f["status"], f["note"]) for f in files(devino_mock)} == {
        ("/notes.txt", "ignored", "not a .zip archive; left in place"),
        ("/sms/inner.zip", "ignored", "only archives in the home folder are processed; left in place"),
    }
    with connect(devino_mock) as ftp:
        assert sorted(ftp.nlst()) == ["notes.txt", "sms"]
        assert ftp.nlst("sms") == ["inner.zip"]
    assert devino_mock.messages() == []


def test_an_error_in_one_file_never_stops_the_others(devino_mock):
    with connect(devino_mock) as ftp:
        put(ftp, "test_login_20240101000000.zip", b"garbage")
        put(ftp, "test_login_20240101000001.zip", archive({"../x": "y"}))
        put(ftp, "test_login_20240101000002.zip", template_archive())
    devino_mock.advance(10)
    assert [f["status"] for f in files(devino_mock)] == ["rejected", "rejected", "processed"]
    assert len(devino_mock.messages()) == 2


def test_oversized_upload_is_cut_off_and_removed(devino_mock):
    with connect(devino_mock) as ftp:
        with pytest.raises((ftplib.error_perm, OSError)) as refused:
            ftp.storbinary("STOR big.zip", io.BytesIO(b"\0" * (32 * 1024 * 1024 + 256 * 1024)), blocksize=256 * 1024)
        if isinstance(refused.value, ftplib.error_perm):
            assert str(refused.value).startswith("552 Upload aborted: files are limited to 33554432 bytes")
    with connect(devino_mock) as ftp:
        assert ftp.nlst() == []
    devino_mock.advance(10)
    assert files(devino_mock) == [] and all_files(root(devino_mock)) == []


def test_deleted_before_the_poll_is_recorded_as_removed(devino_mock):
    with connect(devino_mock) as ftp:
        put(ftp, NAME, template_archive())
        ftp.delete(NAME)
    devino_mock.advance(10)
    [upload] = files(devino_mock)
    assert (upload["status"], upload["note"]) == ("removed", "deleted or renamed by the client before it was processed")
    assert devino_mock.messages() == []
