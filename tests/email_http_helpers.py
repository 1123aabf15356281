"""Shared pieces of the e-mail HTTP API and AddressBook tests: the PyPI client pointed at the
emulator, raw requests with Basic auth, and the address book set up over its own API."""

from __future__ import annotations

import requests
from email_devino.client import DevinoClient

LOGIN, PASSWORD = "test_login", "test123"
AUTH = (LOGIN, PASSWORD)
SENDER = "news@example.com"
LETTER = "<p>Hello [FirstName]</p> [Unsubscribe] [WebVersion]"


def client(mock, login: str = LOGIN, password: str = PASSWORD, version: str = "v1") -> DevinoClient:
    return DevinoClient(login, password, url=f"{mock.url}/email/{version}")


def email(mock, method: str, path: str, auth=AUTH, **kwargs) -> requests.Response:
    return requests.request(method, f"{mock.url}/email/v2/{path.lstrip('/')}", auth=auth, **kwargs)


def book(mock, method: str, path: str, auth=AUTH, **kwargs) -> requests.Response:
    return requests.request(method, f"{mock.url}/addressbook/v2/{path.lstrip('/')}", auth=auth, **kwargs)


def group_with(mock, emails: list[str], name: str = "customers", auth=AUTH) -> int:
    """A contact group holding one contact per address, written (the import is processed)."""
    group = book(mock, "POST", "ContactGroups", auth=auth, json={"Name": name}).json()["Result"]
    if emails:
        contacts = [{"Email": e, "FirstName": f"Name{i}"} for i, e in enumerate(emails)]
        answer = book(mock, "POST", "ContactsImport", auth=auth, json={"ContactGroupId": group, "Contacts": contacts})
        assert answer.status_code == 201, answer.text
        mock.advance(60)
    return group


def sink(mock, name: str = "mail") -> str:
    return f"{mock.url}/_mock/sink/{name}"


def received(mock, name: str = "mail") -> list[dict]:
    return requests.get(f"{mock.url}/_mock/sinks/{name}").json()


def with_callbacks(mock, fmt: str | None = None, name: str = "mail") -> None:
    fields: dict = {"callbacks": {"email": sink(mock, name)}}
    if fmt:
        fields["callback_formats"] = {"email": fmt}
    mock.add_account(LOGIN, PASSWORD, **fields)
