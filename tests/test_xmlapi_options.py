"""XML API choices the documentation leaves open (xml-api.md §5.9 X1, X2), per account through
`/_mock/xml/accounts/{login}`, gone with the account on reset."""

import re

import requests

SEND = ('<?xml version="1.0" encoding="utf-8"?><package login="test_login" password="test123"><message>'
        '{msgs}</message></package>')
MSG = '<msg id="{id}" recipient="79161234567" sender="MYSHOP" type="0">Hello</msg>'


def send(devino_mock, *ids: int) -> list[tuple[str, str]]:
    body = SEND.format(msgs="".join(MSG.format(id=i) for i in ids)).encode()
    answer = requests.post(f"{devino_mock.url}/Send.ashx", data=body).text
    return re.findall(r'<msg id="(\d+)"[^>]*>(\d+)</msg>', answer)


def options(devino_mock, login="test_login", **values):
    url = f"{devino_mock.url}/_mock/xml/accounts/{login}"
    return requests.post(url, json=values) if values else requests.get(url)


def test_defaults_accept_a_repeated_id_with_106(devino_mock):
    assert options(devino_mock).json() == {"login": "test_login", "unique_ids": False, "success_code": 106}
    assert send(devino_mock, 7, 7) == [("7", "106"), ("7", "106")]


def test_unique_ids_refuses_an_id_used_before_or_twice_in_one_package(devino_mock):
    assert options(devino_mock, unique_ids=True).json()["unique_ids"] is True
    assert send(devino_mock, 1, 2, 1) == [("1", "106"), ("2", "106"), ("1", "201")]
    assert send(devino_mock, 2, 3) == [("2", "201"), ("3", "106")]
    assert len(devino_mock.messages(transport="xml")) == 3


def test_success_code_1_as_the_documented_example(devino_mock):
    options(devino_mock, success_code=1)
    assert send(devino_mock, 5) == [("5", "1")]


def test_options_go_with_the_account_on_reset(devino_mock):
    options(devino_mock, unique_ids=True, success_code=1)
    devino_mock.reset()
    assert options(devino_mock).json() == {"login": "test_login", "unique_ids": False, "success_code": 106}


def test_bad_options_and_unknown_accounts(devino_mock):
    assert options(devino_mock, success_code=200).status_code == 400
    assert options(devino_mock, unique_id=True).status_code == 400
    assert options(devino_mock, login="nobody", unique_ids=True).status_code == 404
