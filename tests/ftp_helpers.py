"""Building archives and dropping them into the emulator's FTP folder with ftplib."""

from __future__ import annotations

import ftplib
import io
import zipfile

NAME = "test_login_20240115103000.zip"
CONTACTS = "phone;attr1;attr2\n79031234567;Иван;100\n79161234567;Пётр;250\n"
TEMPLATE = "message;sourceaddress;validity\nУважаемый #attr1#! Ваш бонус: #attr2#;TESTSMS;180\n"


def archive(files: dict[str, str | bytes], encoding: str = "utf-8") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, content.encode(encoding) if isinstance(content, str) else content)
    return buffer.getvalue()


def template_archive(contacts: str = CONTACTS, template: str = TEMPLATE, encoding: str = "utf-8") -> bytes:
    return archive({"sms/contacts.csv": contacts, "sms/template.csv": template}, encoding)


def plain_archive(rows: str = "TELNR_LONG;TEXT\n79031234567;Тестовое сообщение\n", name: str = "name.csv",
                  encoding: str = "utf-8") -> bytes:
    return archive({f"sms/{name}": rows}, encoding)


def connect(mock, login: str = "test_login", password: str = "test123", passive: bool = True) -> ftplib.FTP:
    ftp = ftplib.FTP()
    ftp.connect(mock.host, mock.ports["ftp"], timeout=10)
    ftp.login(login, password)
    ftp.set_pasv(passive)
    return ftp


def put(ftp: ftplib.FTP, name: str, data: bytes) -> str:
    return ftp.storbinary(f"STOR {name}", io.BytesIO(data))


def drop(mock, data: bytes, name: str = NAME, login: str = "test_login", password: str = "test123") -> None:
    """Upload one file and log out."""
    with connect(mock, login, password) as ftp:
        assert put(ftp, name, data).startswith("226")


def files(mock, **filters) -> list[dict]:
    return mock.ftp_files(**filters)


def processed(mock, data: bytes, name: str = NAME, login: str = "test_login", password: str = "test123") -> dict:
    """Upload, let the next poll come, and return what became of the file."""
    drop(mock, data, name, login, password)
    mock.advance(10)
    [upload] = [f for f in files(mock, login=login) if f["name"] == name]
    return upload


def set_options(mock, login: str, **options) -> dict:
    return mock.ftp_options(login, **options)
