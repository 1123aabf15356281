"""Posting XML API packages with requests and reading the answers."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

import requests
from lxml import etree

DECLARATION = '<?xml version="1.0" encoding="utf-8" ?>'


def package(body: str, login: str = "test_login", password: str = "test123") -> bytes:
    return f'{DECLARATION}\n<package login={quoteattr(login)} password={quoteattr(password)}>{body}</package>'.encode()


def msg(text: str = "text", **attrs: str) -> str:
    rendered = "".join(f" {k}={quoteattr(str(v))}" for k, v in attrs.items())
    return f"<msg{rendered}>{text}</msg>"


def post(mock, path: str, data: bytes, **kwargs) -> requests.Response:
    response = requests.post(f"{mock.url}/{path}", data=data, **kwargs)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.text.startswith(DECLARATION + "\n<package>")
    return response


def send(mock, *msgs: str, default: str = "", **credentials: str) -> list[dict]:
    """Send.ashx with one <message> section: each answer msg as {attrs..., "code": text}."""
    body = "<message>" + default + "".join(msgs) + "</message>"
    return answers(post(mock, "Send.ashx", package(body, **credentials)), "message")


def status(mock, *msgs: str, **credentials: str) -> list[dict]:
    return answers(post(mock, "Statistics.ashx", package("<status>" + "".join(msgs) + "</status>", **credentials)), "status")


def answers(response: requests.Response, section: str) -> list[dict]:
    root = etree.fromstring(response.content)
    [holder] = root.findall(section)
    return [{**m.attrib, "code": m.text} for m in holder.findall("msg")]


def document_error(response: requests.Response) -> str:
    root = etree.fromstring(response.content)
    assert [child.tag for child in root] == ["error"]
    return root.findtext("error")
