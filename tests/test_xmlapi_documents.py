"""XML API document-level answers (xml-api.md §4.1, §5.2): ERR_FORMAT for anything that is no
package, ERR_AUTHORIZATION for bad credentials, and a parser that resolves no entities, loads
no DTD and touches no network (XXE, entity bombs)."""

import time

import pytest
import requests

from tests.xmlapi_helpers import DECLARATION, document_error, package, post

SEND = '<message><msg recipient="79031234567" sender="DEVINO">x</msg></message>'


@pytest.mark.parametrize("endpoint", ["Send.ashx", "Statistics.ashx"])
@pytest.mark.parametrize("body", [
    b"",
    b"   \n",
    b"<package login='test_login' password='test123'><message>",
    b"not xml at all",
    b"<?xml version='1.0'?><root login='test_login' password='test123'/>",
    b'{"login": "test_login"}',
    "<package login='test_login' password='test123'/>".encode("utf-16"),
])
def test_not_a_package_is_err_format(devino_mock, endpoint, body):
    response = post(devino_mock, endpoint, body)
    assert response.text == f"{DECLARATION}\n<package><error>201</error></package>"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_err_format_with_http_200(devino_mock, method):
    response = requests.request(method, f"{devino_mock.url}/Send.ashx", data=package(SEND))
    assert response.status_code == 200 and document_error(response) == "201"
    assert devino_mock.messages() == []


@pytest.mark.parametrize("login, password", [("test_login", "wrong"), ("nobody", "x"), ("", "test123"), ("test_login", "")])
def test_bad_credentials_are_err_authorization(devino_mock, login, password):
    for endpoint in ("Send.ashx", "Statistics.ashx"):
        assert document_error(post(devino_mock, endpoint, package(SEND, login, password))) == "202"
    assert devino_mock.messages() == []


def test_missing_credential_attributes_are_err_authorization(devino_mock):
    assert document_error(post(devino_mock, "Send.ashx", f"<package>{SEND}</package>".encode())) == "202"


def test_credentials_attribute_names_are_case_insensitive(devino_mock):
    body = f'<Package Login="test_login" PASSWORD="test123">{SEND}</Package>'.encode()
    assert ">106</msg>" in post(devino_mock, "Send.ashx", body).text


def test_external_entity_is_never_resolved(devino_mock, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (f'<?xml version="1.0"?><!DOCTYPE package [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            '<package login="test_login" password="test123"><message>'
            '<msg recipient="79031234567" sender="DEVINO">&xxe;</msg></message></package>').encode()
    response = post(devino_mock, "Send.ashx", body)
    assert document_error(response) == "201" and "TOP-SECRET" not in response.text
    assert devino_mock.messages() == []


def test_network_dtd_is_never_fetched(devino_mock):
    body = (b'<?xml version="1.0"?><!DOCTYPE package SYSTEM "http://127.0.0.1:9/evil.dtd">'
            b'<package login="test_login" password="test123"/>')
    assert document_error(post(devino_mock, "Send.ashx", body)) == "201"


def test_entity_bomb_is_refused_quickly(devino_mock):
    levels = ['<!ENTITY a0 "dos">'] + [f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    body = (f'<?xml version="1.0"?><!DOCTYPE package [{"".join(levels)}]>'
            '<package login="&a9;" password="test123"><message><msg recipient="79031234567" sender="DEVINO">&a9;</msg>'
            '</message></package>').encode()
    started = time.monotonic()
    response = post(devino_mock, "Send.ashx", body)
    assert document_error(response) == "201"
    assert time.monotonic() - started < 2
    assert devino_mock.messages() == []


def test_internal_dtd_without_entities_is_refused_too(devino_mock):
    body = b'<!DOCTYPE package><package login="test_login" password="test123"/>'
    assert document_error(post(devino_mock, "Send.ashx", body)) == "201"


def test_comments_and_processing_instructions_are_ignored(devino_mock):
    body = package('<!-- a comment --><?pi x?><message><msg recipient="79031234567" sender="DEVINO">a<!-- c -->b</msg></message>')
    assert ">106</msg>" in post(devino_mock, "Send.ashx", body).text
    assert devino_mock.messages()[0]["text"] == "ab"


def test_package_with_no_sections_answers_an_empty_package(devino_mock):
    response = post(devino_mock, "Send.ashx", package(""))
    assert response.text == f"{DECLARATION}\n<package></package>"


def test_namespaced_document_is_read_by_local_names(devino_mock):
    body = (b'<p:package xmlns:p="urn:x" login="test_login" password="test123"><p:message>'
            b'<p:msg recipient="79031234567" sender="DEVINO">ns</p:msg></p:message></p:package>')
    assert ">106</msg>" in post(devino_mock, "Send.ashx", body).text
