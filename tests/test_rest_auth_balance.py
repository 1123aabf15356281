"""REST v1 sessions and balance, v2 login/password (http-rest.md §2.1, §2.2, §3.1, clients.md 5.1)."""

import re

import requests


def test_session_id_is_a_bare_36_char_json_string(rest):
    response = requests.get(f"{rest}/user/sessionid", params={"login": "test_login", "password": "test123"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Cache-Control"] == "private"
    assert re.fullmatch(r'"[A-Z0-9]{36}"', response.text)


def test_session_path_and_parameter_case_variants(rest):
    for path in ("/user/sessionId", "/User/SessionId", "/user/sessionid?", "//user//sessionid/"):
        response = requests.get(f"{rest}{path}", params={"Login": "test_login", "PASSWORD": "test123"})
        assert response.status_code == 200, path
        assert len(response.json()) == 36


def test_session_by_post_form_and_get_with_form_content_type(rest):
    posted = requests.post(f"{rest}/user/sessionid", data={"Login": "test_login", "Password": "test123"})
    assert posted.status_code == 200 and len(posted.json()) == 36
    perl = requests.get(f"{rest}/User/SessionId?login=test_login&password=test123",
                        headers={"Content-Type": "application/x-www-form-urlencoded", "Content-Length": "0"})
    assert perl.status_code == 200 and len(perl.json()) == 36


def test_wrong_password_is_401_code_4_without_www_authenticate(rest):
    response = requests.get(f"{rest}/user/sessionid", params={"login": "test_login", "password": "nope"})
    assert response.status_code == 401
    assert response.json() == {"Code": 4, "Desc": "Invalid user login or password"}
    assert "WWW-Authenticate" not in response.headers
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


def test_missing_login_is_code_1(rest):
    response = requests.get(f"{rest}/user/sessionid", params={"password": "x"})
    assert response.status_code == 400
    assert response.json() == {"Code": 1, "Desc": "Login can not be null or empty Parameter name: login"}


def test_balance_is_a_bare_number(rest, session_id):
    response = requests.get(f"{rest}/User/Balance", params={"SessionID": session_id})
    assert response.status_code == 200
    assert response.text == "1000.0"
    assert requests.get(f"{rest}/user/balance?sessionId={session_id}").json() == 1000.0


def test_unknown_session_is_401_session_expired(rest):
    response = requests.get(f"{rest}/User/Balance", params={"SessionID": "Z5CYSZEKDL1DPICU37WEHQVOYKP0T1GSLHX1"})
    assert response.status_code == 401
    assert response.json() == {"Code": 4, "Desc": "SessionID expired"}


def test_malformed_session_is_400_code_3(rest):
    response = requests.get(f"{rest}/User/Balance", params={"SessionID": "not-a-session"})
    assert response.status_code == 400
    assert response.json() == {"Code": 3, "Desc": "Invalid session id"}


def test_session_expires_after_120_virtual_minutes(devino_mock, rest, session_id):
    devino_mock.advance(119 * 60)
    assert requests.get(f"{rest}/User/Balance", params={"SessionID": session_id}).status_code == 200
    devino_mock.advance(61)
    response = requests.get(f"{rest}/User/Balance", params={"SessionID": session_id})
    assert response.status_code == 401
    assert response.json() == {"Code": 4, "Desc": "SessionID expired"}


def test_a_new_login_keeps_older_sessions_valid(rest, session_id):
    requests.get(f"{rest}/user/sessionid", params={"login": "test_login", "password": "test123"})
    assert requests.get(f"{rest}/User/Balance", params={"SessionID": session_id}).status_code == 200


def test_v2_balance_by_get_and_post(rest):
    got = requests.get(f"{rest}/v2/User/Balance", params={"Login": "test_login", "Password": "test123"})
    assert got.status_code == 200 and got.json() == 1000.0
    posted = requests.post(f"{rest.replace('/rest', '/Rest')}/v2/User/Balance", data={"login": "test_login", "password": "test123"})
    assert posted.status_code == 200 and posted.json() == 1000.0


def test_v2_wrong_password(rest):
    response = requests.get(f"{rest}/v2/User/Balance", params={"Login": "test_login", "Password": "bad"})
    assert response.status_code == 401
    assert response.json() == {"Code": 4, "Desc": "Invalid user login or password"}


def test_v2_has_no_session_operation(rest):
    assert requests.get(f"{rest}/v2/user/sessionid", params={"login": "test_login", "password": "test123"}).status_code == 404


def test_disabled_account_is_403_forbidden(rest):
    response = requests.get(f"{rest}/v2/User/Balance", params={"Login": "blocked", "Password": "blocked1"})
    assert response.status_code == 403
    assert response.json() == {"Code": 7, "Desc": "Forbidden"}


def test_other_http_methods_are_refused_with_json(rest):
    response = requests.delete(f"{rest}/v2/User/Balance", params={"Login": "test_login", "Password": "test123"})
    assert response.status_code == 405
    assert response.json()["Code"] == 6


def test_balance_of_an_account_added_through_the_control_api(devino_mock, rest):
    devino_mock.add_account("shop", "shop1", balance="12.5")
    assert requests.get(f"{rest}/v2/User/Balance", params={"Login": "shop", "Password": "shop1"}).json() == 12.5
