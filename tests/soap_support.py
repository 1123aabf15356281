"""Raw SOAP for the SOAP tests: envelopes as clients write them, posting, reading answers,
and PHP's `xml_parse_into_struct` list that hand-written clients index into."""

from __future__ import annotations

import xml.parsers.expat
from dataclasses import dataclass

import requests
from lxml import etree

NS = "http://ws.devinosms.com"
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
V1 = "/SmsService.asmx"
V2 = "/SmsServicev2.asmx"
VIBER_V1 = "/ViberService.asmx"
VIBER_V2 = "/ViberServiceV2.asmx"
LOGIN = {"login": "test_login", "password": "test123"}
FAULT_PREFIX = "Server was unable to process request. ---> "
READ_PREFIX = "Server was unable to read request. ---> "


def envelope11(body: str) -> str:
    """SOAP 1.1 as the PHP cURL client writes it (clients.md §4)."""
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">\n'
            f"  <soap:Body>\n    {body}\n  </soap:Body>\n</soap:Envelope>")


def envelope12(body: str) -> str:
    """SOAP 1.2 as the documentation's examples write it (soap.md §4)."""
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<soap12:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema"\n'
            'xmlns:soap12="http://www.w3.org/2003/05/soap-envelope">\n'
            f"  <soap12:Body>\n    {body}\n  </soap12:Body>\n</soap12:Envelope>")


def operation(name: str, **children: object) -> str:
    """`<Name xmlns="http://ws.devinosms.com"><child>value</child>…</Name>`; a list value is
    written as `<string>` items."""
    parts = []
    for key, value in children.items():
        if isinstance(value, (list, tuple)):
            value = "".join(f"<string>{v}</string>" for v in value)
        parts.append(f"<{key}>{value}</{key}>")
    return f'<{name} xmlns="{NS}">' + "".join(parts) + f"</{name}>"


@dataclass
class Answer:
    status: int
    content_type: str
    text: str
    root: etree._Element | None

    def find(self, local: str) -> etree._Element | None:
        return None if self.root is None else self.root.find(f".//{{{NS}}}{local}")

    def result(self, operation_name: str) -> etree._Element:
        element = self.find(f"{operation_name}Result")
        assert element is not None, self.text
        return element

    def strings(self, operation_name: str) -> list[str]:
        return [item.text for item in self.result(operation_name)]

    @property
    def fault_text(self) -> str:
        assert self.root is not None, self.text
        node = self.root.find(".//faultstring")
        if node is None:
            node = self.root.find(f".//{{{SOAP12_ENV}}}Reason/{{{SOAP12_ENV}}}Text")
        assert node is not None, self.text
        return node.text

    @property
    def fault_code(self) -> str:
        assert self.root is not None, self.text
        node = self.root.find(".//faultcode")
        if node is None:
            node = self.root.find(f".//{{{SOAP12_ENV}}}Code/{{{SOAP12_ENV}}}Value")
        assert node is not None, self.text
        return node.text


def post(base_url: str, path: str, body: str | bytes, version: str = "1.1", action: str | None = None,
         headers: dict | None = None) -> Answer:
    sent = {"Content-Type": "text/xml; charset=utf-8" if version == "1.1" else "application/soap+xml; charset=utf-8"}
    if action is not None:
        sent["SOAPAction"] = action
    sent.update(headers or {})
    data = body.encode("utf-8") if isinstance(body, str) else body
    response = requests.post(base_url + path, data=data, headers=sent, timeout=10)
    try:
        root = etree.fromstring(response.content)
    except etree.XMLSyntaxError:
        root = None
    return Answer(response.status_code, response.headers.get("Content-Type", ""), response.text, root)


def call(base_url: str, path: str, name: str, version: str = "1.1", **children: object) -> Answer:
    envelope = envelope11 if version == "1.1" else envelope12
    return post(base_url, path, envelope(operation(name, **children)), version)


def session(base_url: str, login: str = "test_login", password: str = "test123") -> str:
    answer = call(base_url, V1, "GetSessionID", login=login, password=password)
    assert answer.status == 200, answer.text
    return answer.result("GetSessionID").text


def parse_into_struct(document: str) -> list[dict]:
    """What PHP's xml_parse_into_struct() returns (case folding on, as by default): one entry
    per open/close tag, 'complete' for elements without children, 'cdata' for text between
    elements (whitespace too)."""
    entries: list[dict] = []
    stack: list[dict] = []

    def start(name, attrs):
        if stack and stack[-1]["type"] == "pending":
            stack[-1]["type"] = "open"
            entries.append(stack[-1])
        entry = {"tag": name.upper(), "type": "pending", "level": len(stack) + 1}
        if attrs:
            entry["attributes"] = {k.upper(): v for k, v in attrs.items()}
        stack.append(entry)

    def text(data):
        if not stack:
            return
        top = stack[-1]
        if top["type"] == "pending":
            top["value"] = top.get("value", "") + data
        else:
            entries.append({"tag": top["tag"], "type": "cdata", "value": data, "level": top["level"]})

    def end(name):
        entry = stack.pop()
        if entry["type"] == "pending":
            entry["type"] = "complete"
            entries.append(entry)
        else:
            entries.append({"tag": entry["tag"], "type": "close", "level": entry["level"]})

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    parser.Parse(document.encode("utf-8"), True)
    return entries
