"""Bad input gets a proper SOAP fault in the request's SOAP version, never an HTML or
plain-text 500 (soap.md §2.2, §10.3 "spyne 2.14.0 bug", §10.6 item 12); XML parsing never
resolves external entities and never expands entity bombs."""

from __future__ import annotations

import socket

import pytest

from tests.soap_support import READ_PREFIX, V1, V2, call, envelope11, envelope12, operation, post, session

CONTENT_TYPES = {"1.1": "text/xml; charset=utf-8", "1.2": "application/soap+xml; charset=utf-8"}
CLIENT_CODES = {"1.1": "soap:Client", "1.2": "soap:Sender"}
ENVELOPES = {"1.1": envelope11, "1.2": envelope12}
DTD_REFUSED = READ_PREFIX + "For security reasons DTD is prohibited in this XML document."


def assert_client_fault(answer, version, text):
    assert (answer.status, answer.content_type) == (500, CONTENT_TYPES[version]), answer.text
    assert answer.fault_code == CLIENT_CODES[version]
    assert answer.fault_text == text


def without_declaration(version, body):
    return ENVELOPES[version](body).split("?>", 1)[1]


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize(("body", "text"), [
    ("<soap:Envelope><bad", "There is an error in XML document (1, 15)."),
    ("<a><b></a>", "There is an error in XML document (1, 11)."),
    ("", "Root element is missing."),
    (b"<?xml version='1.0' encoding='utf-8'?><a>\xff\xfe</a>", "There is an error in XML document (1, 42)."),
])
def test_malformed_xml(devino_mock, version, body, text):
    assert_client_fault(post(devino_mock.url, V1, body, version), version, READ_PREFIX + text)


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize(("name", "fields", "text"), [
    ("SendMessageByTimeZone", {"sendDate": "2020-01-01T00:00:00", "validity": "abc"},
     "Could not cast 'abc' to integer"),
    ("SendMessageByTimeZone", {"sendDate": "2020-01-01T00:00:00", "validity": "99999999999"},
     "The value '99999999999' could not be validated."),
    ("SendMessageByTimeZone", {"sendDate": "next tuesday"}, "The value 'next tuesday' could not be validated."),
    ("GetStatistics", {"startDateTime": "2020-13-45T00:00:00"},
     "The value '2020-13-45T00:00:00' could not be validated."),
])
def test_schema_invalid_values(devino_mock, version, name, fields, text):
    """spyne 2.14 answers these over SOAP 1.2 with a plain-text 500 when its lxml validator
    is used; here both versions get a client fault and nothing is sent."""
    sid = session(devino_mock.url)
    params = {"sessionId" if name == "GetStatistics" else "sessionID": sid, "sourceAddress": "DEVINO",
              "destinationAddress": "79161234567", "data": "x", **fields}
    if name == "GetStatistics":
        params = {k: v for k, v in params.items() if k in ("sessionId", "startDateTime")}
    assert_client_fault(call(devino_mock.url, V1, name, version, **params), version, READ_PREFIX + text)
    assert devino_mock.messages() == []


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_unknown_operations(devino_mock, version):
    body = ENVELOPES[version](operation("DeleteEverything", sessionID="x"))
    assert_client_fault(post(devino_mock.url, V1, body, version, action='"http://ws.devinosms.com/DeleteEverything"'),
                        version, "Server did not recognize the value of HTTP Header SOAPAction: "
                                 "http://ws.devinosms.com/DeleteEverything.")
    no_action = "Unable to handle request without a valid action parameter. Please supply a valid soap action."
    assert_client_fault(post(devino_mock.url, V1, body, version), version, no_action)
    assert_client_fault(post(devino_mock.url, V1, ENVELOPES[version](""), version), version, no_action)
    session_on_v2 = ENVELOPES[version](operation("GetSessionID", login="test_login", password="test123"))
    assert_client_fault(post(devino_mock.url, V2, session_on_v2, version), version, no_action)


@pytest.mark.parametrize(("content_type", "version"), [("text/xml", "1.1"), ("application/soap+xml", "1.2")])
def test_not_a_soap_envelope(devino_mock, content_type, version):
    other = '<e:Envelope xmlns:e="urn:other"><e:Body/></e:Envelope>'
    for body, namespace in (("<GetBalance/>", ""), (other, "urn:other")):
        answer = post(devino_mock.url, V1, body, headers={"Content-Type": content_type})
        assert (answer.status, answer.content_type) == (500, CONTENT_TYPES[version])
        assert answer.fault_code == "soap:VersionMismatch"
        assert answer.fault_text == (f"Possible SOAP version mismatch: Envelope namespace {namespace} was unexpected. "
                                     "Expecting http://schemas.xmlsoap.org/soap/envelope/.")


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_external_entities_are_never_fetched_or_read(devino_mock, version):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        for system in ("file:///etc/passwd", f"http://127.0.0.1:{port}/secret"):
            body = (f'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY xxe SYSTEM "{system}">]>'
                    + without_declaration(version, operation("GetSessionID", login="&xxe;", password="x")))
            answer = post(devino_mock.url, V1, body, version)
            assert_client_fault(answer, version, DTD_REFUSED)
            assert "root:" not in answer.text
        external_dtd = f'<?xml version="1.0"?><!DOCTYPE e SYSTEM "http://127.0.0.1:{port}/x.dtd">' + \
            without_declaration(version, operation("GetBalance", sessionID="x"))
        assert_client_fault(post(devino_mock.url, V1, external_dtd, version), version, DTD_REFUSED)
        with pytest.raises(BlockingIOError):  # the emulator never connected to fetch anything
            listener.accept()


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_entity_bombs_are_not_expanded(devino_mock, version):
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 12))
    body = (f'<?xml version="1.0"?><!DOCTYPE b [<!ENTITY l0 "lol">{laughs}]>'
            + without_declaration(version, operation("GetSessionID", login="&l11;", password="x")))
    answer = post(devino_mock.url, V1, body, version)
    assert_client_fault(answer, version, DTD_REFUSED)
    assert len(answer.text) < 1000


def test_an_oversized_body_is_refused_with_a_fault(devino_mock):
    answer = post(devino_mock.url, V1, b"<a>" + b"x" * (4 * 1024 * 1024) + b"</a>", "1.2")
    assert_client_fault(answer, "1.2", READ_PREFIX + "Maximum request length exceeded.")


def test_the_server_keeps_answering_after_bad_input(devino_mock):
    for body in ("<bad", "", "<x/>"):
        post(devino_mock.url, V1, body)
    assert len(session(devino_mock.url)) == 36


def test_documented_faults_and_bad_requests_leave_no_error_in_the_log(devino_mock, caplog):
    caplog.set_level("DEBUG", logger="spyne")
    call(devino_mock.url, V1, "GetSessionID", login="test_login", password="wrong")
    call(devino_mock.url, V1, "GetMessageState", sessionID=session(devino_mock.url))
    call(devino_mock.url, V1, "SendMessageByTimeZone", sendDate="2020-01-01T00:00:00", validity="abc")
    assert [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []


def test_text_xml_cannot_carry_is_a_fault_not_a_crash(devino_mock):
    """An incoming SMS (injected over JSON) with a control character XML 1.0 cannot hold:
    ASP.NET's serialiser refuses it too; the answer is a SOAP fault, and the server goes on."""
    devino_mock.incoming("test_login", "79031112233", "79160000000", "bell\u0007")
    answer = call(devino_mock.url, V1, "GetIncomingMessages", sessionID=session(devino_mock.url),
                  maxDateUTC="2100-01-01T00:00:00", minDateUTC=devino_mock.now()[:19])
    assert (answer.status, answer.fault_code) == (500, "soap:Server")
    assert answer.fault_text == "Server was unable to process request. ---> Internal server error"
    assert len(session(devino_mock.url)) == 36
