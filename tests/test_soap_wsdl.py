"""The served WSDL looks like what ASP.NET publishes for an .asmx service (soap.md §1.5,
§10.2, Appendix A/B; clients.md §5.4 items 1 and 4)."""

from __future__ import annotations

import pytest
import requests
import zeep
from lxml import etree

from tests.soap_support import NS, V1, V2

WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
WSDL_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
XS = "http://www.w3.org/2001/XMLSchema"
W = {"w": WSDL, "s": XS, "soap": WSDL_SOAP, "soap12": WSDL_SOAP12}

V1_OPERATIONS = ["GetSessionID", "GetBalance", "SendMessageByTimeZone", "SendMessage",
                 "SendMessageByTimeZoneToAddresses", "GetMessageState", "GetStatistics", "GetIncomingMessages"]
V2_OPERATIONS = V1_OPERATIONS[1:]

# Documented element names and order (soap.md §4, §5) with ASMX occurrence rules:
# (name, type, minOccurs, maxOccurs, nillable).
S, I, DT, B, D = "s:string", "s:int", "s:dateTime", "s:boolean", "s:decimal"
V1_REQUESTS = {
    "GetSessionID": [("login", S, "0"), ("password", S, "0")],
    "GetBalance": [("sessionID", S, "0")],
    "SendMessageByTimeZone": [("sessionID", S, "0"), ("sourceAddress", S, "0"), ("destinationAddress", S, "0"),
                              ("data", S, "0"), ("sendDate", DT, "1"), ("validity", I, "0")],
    "SendMessage": [("sessionID", S, "0"), ("message", "tns:SmsMessage", "0")],
    "SendMessageByTimeZoneToAddresses": [("sessionID", S, "0"), ("sourceAddress", S, "0"),
                                         ("destinationAddresses", "tns:ArrayOfString", "0"), ("data", S, "0"),
                                         ("sendDate", DT, "1"), ("validity", I, "0")],
    "GetMessageState": [("sessionID", S, "0"), ("messageID", S, "0")],
    "GetStatistics": [("sessionId", S, "0"), ("startDateTime", DT, "1"), ("endDateTime", DT, "1")],
    "GetIncomingMessages": [("sessionID", S, "0"), ("maxDateUTC", DT, "1"), ("minDateUTC", DT, "1")],
}
RESPONSES = {
    "GetSessionID": [("GetSessionIDResult", S, "0")],
    "GetBalance": [("GetBalanceResult", D, "1")],
    "SendMessageByTimeZone": [("SendMessageByTimeZoneResult", "tns:ArrayOfString", "0")],
    "SendMessage": [("SendMessageResult", "tns:ArrayOfString", "0")],
    "SendMessageByTimeZoneToAddresses": [("SendMessageByTimeZoneToAddressesResult", "tns:ArrayOfString", "0")],
    "GetMessageState": [("GetMessageStateResult", "tns:MessageState", "0")],
    "GetStatistics": [("GetStatisticsResult", "tns:Statistics", "0")],
    "GetIncomingMessages": [("GetIncomingMessagesResult", "tns:ArrayOfIncomingMessage", "0")],
}
TYPES = {
    "ArrayOfString": [("string", S, "0", "unbounded", True)],
    "SmsMessage": [("Data", S, "0"), ("DelayUntilUtc", DT, "1", "1", True),
                   ("DestinationAddresses", "tns:ArrayOfString", "0"), ("SourceAddress", S, "0"),
                   ("ReceiptRequested", B, "0"), ("Validity", I, "0")],
    "MessageState": [("State", I, "1"), ("CreationDateUtc", DT, "1", "1", True),
                     ("SubmittedDateUtc", DT, "1", "1", True), ("ReportedDateUtc", DT, "1", "1", True),
                     ("StateDescription", S, "0"), ("Price", D, "1", "1", True)],
    "Statistics": [(name, I, "1") for name in ("Sent", "Delivered", "Errors", "InProcess", "Expired", "Rejected")],
    "IncomingMessage": [("Data", S, "0"), ("SourceAddress", S, "0"), ("DestinationAddress", S, "0"),
                        ("CreatedDateUtc", DT, "1")],
    "ArrayOfIncomingMessage": [("IncomingMessage", "tns:IncomingMessage", "0", "unbounded", True)],
}


def fetch(url: str, **headers: str) -> etree._Element:
    response = requests.get(url, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    return etree.fromstring(response.content)


def sequence(node: etree._Element) -> list[tuple]:
    out = []
    for element in node.iterfind("s:sequence/s:element", W):
        entry = (element.get("name"), element.get("type"), element.get("minOccurs"))
        maxi, nillable = element.get("maxOccurs"), element.get("nillable") == "true"
        out.append(entry + (maxi, True) if nillable or maxi != "1" else entry)
        assert maxi in ("1", "unbounded")
    return out


@pytest.fixture(scope="module")
def v1_wsdl(devino_mock_server) -> etree._Element:
    return fetch(devino_mock_server[0] + V1 + "?WSDL")


@pytest.mark.parametrize("path", ["/SmsService.asmx?WSDL", "/SmsService.asmx?wsdl", "/smsservice.asmx?WSDL",
                                  "/SmsServicev2.asmx?WSDL", "/smsservicev2.asmx?wsdl", "/SMSSERVICEV2.ASMX?Wsdl"])
def test_wsdl_at_any_spelling(devino_mock, path):
    root = fetch(devino_mock.url + path)
    assert root.tag == f"{{{WSDL}}}definitions" and root.get("targetNamespace") == NS
    schema = root.find("w:types/s:schema", W)
    assert schema.get("targetNamespace") == NS and schema.get("elementFormDefault") == "qualified"


@pytest.mark.parametrize(("path", "service", "operations"), [(V1, "SmsService", V1_OPERATIONS),
                                                              (V2, "SmsServicev2", V2_OPERATIONS)])
def test_two_bindings_two_ports_and_asmx_soap_actions(devino_mock, path, service, operations):
    root = fetch(devino_mock.url + path + "?WSDL")
    port_type = root.find("w:portType", W)
    assert port_type.get("name") == f"{service}Soap"
    assert [op.get("name") for op in port_type] == operations
    for op in port_type:
        name = op.get("name")
        assert op.find("w:input", W).get("message") == f"tns:{name}SoapIn"
        assert op.find("w:output", W).get("message") == f"tns:{name}SoapOut"
        for suffix, element in (("SoapIn", name), ("SoapOut", f"{name}Response")):
            [part] = root.find(f"w:message[@name='{name}{suffix}']", W)
            assert (part.get("name"), part.get("element")) == ("parameters", f"tns:{element}")
    bindings = root.findall("w:binding", W)
    assert [(b.get("name"), b.get("type")) for b in bindings] == [(f"{service}Soap", f"tns:{service}Soap"),
                                                                  (f"{service}Soap12", f"tns:{service}Soap")]
    for binding, prefix in zip(bindings, ("soap", "soap12")):
        assert binding.find(f"{prefix}:binding", W).get("transport") == "http://schemas.xmlsoap.org/soap/http"
        for op in binding.findall("w:operation", W):
            soap_op = op.find(f"{prefix}:operation", W)
            assert soap_op.get("soapAction") == f"{NS}/{op.get('name')}" and soap_op.get("style") == "document"
            assert op.find(f"w:input/{prefix}:body", W).get("use") == "literal"
            assert op.find(f"w:output/{prefix}:body", W).get("use") == "literal"
        assert [op.get("name") for op in binding.findall("w:operation", W)] == operations
    [wsdl_service] = root.findall("w:service", W)
    assert wsdl_service.get("name") == service
    ports = wsdl_service.findall("w:port", W)
    assert [p.get("name") for p in ports] == [f"{service}Soap", f"{service}Soap12"]  # SOAP 1.1 first
    assert ports[0].find("soap:address", W).get("location") == devino_mock.url + path
    assert ports[1].find("soap12:address", W).get("location") == devino_mock.url + path


def test_v1_elements_names_order_and_occurrence(v1_wsdl):
    schema = v1_wsdl.find("w:types/s:schema", W)
    for name, expected in V1_REQUESTS.items():
        assert sequence(schema.find(f"s:element[@name='{name}']/s:complexType", W)) == expected, name
    for name, expected in RESPONSES.items():
        assert sequence(schema.find(f"s:element[@name='{name}Response']/s:complexType", W)) == expected, name
    for name, expected in TYPES.items():
        assert sequence(schema.find(f"s:complexType[@name='{name}']", W)) == expected, name
    named = {t.get("name") for t in schema.findall("s:complexType", W)}
    assert named == set(TYPES)  # wrapper types are anonymous, as ASMX writes them
    assert {e.get("name") for e in schema.findall("s:element", W)} == {
        n for op in V1_OPERATIONS for n in (op, f"{op}Response")}


def test_v2_takes_login_and_password_first(devino_mock):
    schema = fetch(devino_mock.url + V2 + "?wsdl").find("w:types/s:schema", W)
    credentials = [("login", S, "0"), ("password", S, "0")]
    for name in V2_OPERATIONS:
        rest = [e for e in V1_REQUESTS[name] if e[0] not in ("sessionID", "sessionId")]
        assert sequence(schema.find(f"s:element[@name='{name}']/s:complexType", W)) == credentials + rest, name
    assert schema.find("s:element[@name='GetSessionID']", W) is None
    for name, expected in TYPES.items():
        assert sequence(schema.find(f"s:complexType[@name='{name}']", W)) == expected, name


def test_address_follows_the_host_header_and_forwarded_scheme(devino_mock):
    root = fetch(devino_mock.url + V1 + "?WSDL", Host="sms.example.test:8443", **{"X-Forwarded-Proto": "https"})
    locations = [a.get("location") for a in root.iterfind(".//soap:address", W)] + \
                [a.get("location") for a in root.iterfind(".//soap12:address", W)]
    assert locations == ["https://sms.example.test:8443/SmsService.asmx"] * 2


def test_a_host_header_that_is_not_a_host_is_not_echoed(devino_mock):
    root = fetch(devino_mock.url + V1 + "?WSDL", Host='evil"/><x y="')
    location = root.find(".//soap:address", W).get("location")
    assert location == devino_mock.url + V1


@pytest.mark.parametrize("port", ["SmsServiceSoap", "SmsServiceSoap12"])
def test_zeep_sees_every_operation_on_both_ports(devino_mock, port):
    client = zeep.Client(devino_mock.url + V1 + "?WSDL")
    service = client.wsdl.services["SmsService"]
    assert list(service.ports) == ["SmsServiceSoap", "SmsServiceSoap12"]
    assert sorted(service.ports[port].binding.all()) == sorted(V1_OPERATIONS)
    assert service.ports[port].binding_options["address"] == devino_mock.url + V1


def test_get_without_wsdl_is_a_help_page_and_other_methods_are_refused(devino_mock):
    page = requests.get(devino_mock.url + V1, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "GetSessionID" in page.text and "?WSDL" in page.text
    refused = requests.put(devino_mock.url + V1, data="x", timeout=10)
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD, POST"
