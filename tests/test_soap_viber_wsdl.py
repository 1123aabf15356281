"""The WSDL of ViberService.asmx and ViberServiceV2.asmx: ASP.NET's shape, both bindings, the
address the client used, and exactly the schema of soap.md Appendix B.2/B.3."""

from __future__ import annotations

import pytest
import requests
import zeep

from tests.soap_support import NS, VIBER_V1, VIBER_V2
from tests.test_soap_wsdl import W, fetch, sequence

S, I, L = "s:string", "s:int", "s:long"
V1_OPERATIONS = ["GetSessionID", "SendMessage", "SendMessageWithResend", "GetMessageState"]
V2_OPERATIONS = V1_OPERATIONS[1:]
MESSAGE = ("message", "tns:ViberMessage", "0")
V1_REQUESTS = {
    "GetSessionID": [("login", S, "0"), ("password", S, "0")],
    "SendMessage": [("sessionID", S, "0"), MESSAGE],
    "SendMessageWithResend": [("sessionID", S, "0"), MESSAGE],
    "GetMessageState": [("sessionID", S, "0"), ("messageID", L, "1")],  # xs:long, a value type
}
RESPONSES = {
    "GetSessionIDResponse": [("GetSessionIDResult", S, "0")],
    "SendMessageResponse": [("SendMessageResult", "tns:ArrayOfString", "0")],
    # The documented quirk: the overload's result keeps the method's name (soap.md §6.2).
    "SendMessageWithResendResponse": [("SendMessageResult", "tns:ArrayOfString", "0")],
    "GetMessageStateResponse": [("GetMessageStateResult", "tns:ViberMessageStateInfo", "0")],
}
TYPES = {
    "ArrayOfString": [("string", S, "0", "unbounded", True)],
    "ViberMessage": [("Data", S, "0"), ("DestinationAddresses", "tns:ArrayOfString", "0"), ("SourceAddress", S, "0"),
                     ("Validity", I, "1"), ("Optional", S, "0")],  # Validity required, as documented
    "ViberSmsMessageStateInfo": [("Id", L, "1")],
    "ArrayOfViberSmsMessageStateInfo": [
        ("ViberSmsMessageStateInfo", "tns:ViberSmsMessageStateInfo", "0", "unbounded", True)],
    "ViberMessageStateInfo": [("State", "tns:ViberMessageState", "1"),
                              ("ResentSms", "tns:ArrayOfViberSmsMessageStateInfo", "0")],
}
STATES = ["Enqueued", "Sent", "Delivered", "Read", "Undelivered", "Failed", "Unknown", "Expired"]


def schema_of(url: str):
    return fetch(url).find("w:types/s:schema", W)


@pytest.mark.parametrize("path", ["/ViberService.asmx?WSDL", "/viberservice.asmx?wsdl", "/ViberServiceV2.asmx?WSDL",
                                  "/viberservicev2.asmx?wsdl", "/VIBERSERVICEV2.ASMX?Wsdl"])
def test_wsdl_at_any_spelling(devino_mock, path):
    root = fetch(devino_mock.url + path)
    assert root.get("targetNamespace") == NS
    assert root.find("w:types/s:schema", W).get("elementFormDefault") == "qualified"


@pytest.mark.parametrize(("path", "service", "operations"), [(VIBER_V1, "ViberService", V1_OPERATIONS),
                                                              (VIBER_V2, "ViberServiceV2", V2_OPERATIONS)])
def test_two_bindings_two_ports_and_asmx_soap_actions(devino_mock, path, service, operations):
    root = fetch(devino_mock.url + path + "?WSDL")
    port_type = root.find("w:portType", W)
    assert port_type.get("name") == f"{service}Soap"
    assert [op.get("name") for op in port_type] == operations
    for name in operations:
        for suffix, element in (("SoapIn", name), ("SoapOut", f"{name}Response")):
            [part] = root.find(f"w:message[@name='{name}{suffix}']", W)
            assert (part.get("name"), part.get("element")) == ("parameters", f"tns:{element}")
    bindings = root.findall("w:binding", W)
    assert [(b.get("name"), b.get("type")) for b in bindings] == [(f"{service}Soap", f"tns:{service}Soap"),
                                                                  (f"{service}Soap12", f"tns:{service}Soap")]
    for binding, prefix in zip(bindings, ("soap", "soap12")):
        assert binding.find(f"{prefix}:binding", W).get("transport") == "http://schemas.xmlsoap.org/soap/http"
        actions = [op.find(f"{prefix}:operation", W).get("soapAction") for op in binding.findall("w:operation", W)]
        # The same actions as SmsService.asmx's SendMessage/GetMessageState: only the path tells them apart.
        assert actions == [f"{NS}/{name}" for name in operations]
    ports = root.find("w:service", W).findall("w:port", W)
    assert root.find("w:service", W).get("name") == service
    assert [p.get("name") for p in ports] == [f"{service}Soap", f"{service}Soap12"]  # SOAP 1.1 first
    assert ports[0].find("soap:address", W).get("location") == devino_mock.url + path
    assert ports[1].find("soap12:address", W).get("location") == devino_mock.url + path


def test_v1_schema_is_appendix_b2(devino_mock):
    schema = schema_of(devino_mock.url + VIBER_V1 + "?WSDL")
    for name, expected in V1_REQUESTS.items():
        assert sequence(schema.find(f"s:element[@name='{name}']/s:complexType", W)) == expected, name
    for name, expected in RESPONSES.items():
        assert sequence(schema.find(f"s:element[@name='{name}']/s:complexType", W)) == expected, name
    for name, expected in TYPES.items():
        assert sequence(schema.find(f"s:complexType[@name='{name}']", W)) == expected, name
    assert {t.get("name") for t in schema.findall("s:complexType", W)} == set(TYPES)  # wrappers anonymous
    [enum] = schema.findall("s:simpleType", W)
    assert enum.get("name") == "ViberMessageState"
    restriction = enum.find("s:restriction", W)
    assert restriction.get("base") == "s:string"
    assert [e.get("value") for e in restriction.findall("s:enumeration", W)] == STATES


def test_v2_takes_login_and_password_and_has_no_session(devino_mock):
    schema = schema_of(devino_mock.url + VIBER_V2 + "?WSDL")
    credentials = [("login", S, "0"), ("password", S, "0")]
    for name in V2_OPERATIONS:
        assert sequence(schema.find(f"s:element[@name='{name}']/s:complexType", W)) == \
            credentials + V1_REQUESTS[name][1:], name
    assert schema.find("s:element[@name='GetSessionID']", W) is None
    for name, expected in TYPES.items():
        assert sequence(schema.find(f"s:complexType[@name='{name}']", W)) == expected, name


@pytest.mark.parametrize("path", [VIBER_V1, VIBER_V2])
def test_address_follows_the_host_header_and_forwarded_scheme(devino_mock, path):
    root = fetch(devino_mock.url + path + "?WSDL", Host="ws.example.test:8443", **{"X-Forwarded-Proto": "https"})
    locations = [a.get("location") for a in root.iterfind(".//soap:address", W)] + \
                [a.get("location") for a in root.iterfind(".//soap12:address", W)]
    assert locations == [f"https://ws.example.test:8443{path}"] * 2


@pytest.mark.parametrize(("path", "service", "operations"), [(VIBER_V1, "ViberService", V1_OPERATIONS),
                                                              (VIBER_V2, "ViberServiceV2", V2_OPERATIONS)])
def test_zeep_sees_every_operation_on_both_ports(devino_mock, path, service, operations):
    wsdl_service = zeep.Client(devino_mock.url + path + "?WSDL").wsdl.services[service]
    assert list(wsdl_service.ports) == [f"{service}Soap", f"{service}Soap12"]
    for port in wsdl_service.ports.values():
        assert sorted(port.binding.all()) == sorted(operations)
        assert port.binding_options["address"] == devino_mock.url + path


def test_the_help_page_lists_the_viber_operations(devino_mock):
    page = requests.get(devino_mock.url + VIBER_V2, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "SendMessageWithResend" in page.text and "GetSessionID" not in page.text
