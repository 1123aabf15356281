"""Sms/State over time, scheduling, validity, the 48-hour rule, magic final statuses,
Sms/In and Sms/Statistics (http-rest.md §2.7-2.9, §7.7-7.11)."""

from datetime import datetime, timedelta, timezone

import pytest
import requests

V2 = {"Login": "test_login", "Password": "test123"}
UNKNOWN_BODY = ('{"State":255,"CreationDateUtc":null,"SubmittedDateUtc":null,"ReportedDateUtc":null,'
                '"TimeStampUtc":"\\/Date(-62135596800000)\\/","StateDescription":"Неизвестный","Price":null}')


def send(rest, path="Sms/Send", **params):
    response = requests.post(f"{rest}/v2/{path}", data={**V2, "SourceAddress": "DEVINO", "Data": "x", **params})
    assert response.status_code == 200, response.text
    return response.json()


def state(rest, message_id, **extra):
    response = requests.get(f"{rest}/v2/Sms/State", params={**V2, "messageId": message_id, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def ms(value):
    return int(value[7:-2]) if value else None


def test_queued_then_sent_then_delivered(rest, devino_mock):
    [message_id] = send(rest, DestinationAddress="79161234567")
    first = state(rest, message_id)
    assert first["State"] == -2 and first["StateDescription"] == "В очереди"
    assert first["SubmittedDateUtc"] is None and first["TimeStampUtc"] == "/Date(-62135596800000)/"
    assert first["Price"] == 1.0
    devino_mock.advance(1)
    sent = state(rest, message_id)
    assert sent["State"] == -1 and sent["StateDescription"] == "Отправлено (передано в мобильную сеть)"
    assert ms(sent["SubmittedDateUtc"]) - ms(sent["CreationDateUtc"]) == 1000
    devino_mock.advance(2)
    done = state(rest, message_id)
    assert done["State"] == 0 and done["StateDescription"] == "Доставлено абоненту"
    assert ms(done["ReportedDateUtc"]) - ms(done["SubmittedDateUtc"]) == 2000
    assert done["TimeStampUtc"] == done["ReportedDateUtc"]


def test_state_raw_body_uses_escaped_ms_dates(rest, devino_mock):
    [message_id] = send(rest, DestinationAddress="79161234567")
    raw = requests.get(f"{rest}/v2/Sms/State", params={**V2, "messageId": message_id}).text
    assert '"CreationDateUtc":"\\/Date(' in raw and raw.startswith('{"State":-2,')


def test_unknown_id_gives_the_documented_255_body(rest):
    response = requests.get(f"{rest}/v2/Sms/State", params={**V2, "messageId": "579700854169272358"})
    assert response.text == UNKNOWN_BODY


def test_another_accounts_message_is_unknown(rest, devino_mock):
    [message_id] = send(rest, DestinationAddress="79161234567")
    response = requests.get(f"{rest}/v2/Sms/State", params={"Login": "test", "Password": "11111", "messageId": message_id})
    assert response.text == UNKNOWN_BODY


def test_state_after_48_hours_is_255(rest, devino_mock):
    [message_id] = send(rest, DestinationAddress="79161234567")
    devino_mock.advance(48 * 3600 - 1)
    assert state(rest, message_id)["State"] == 0
    devino_mock.advance(1)
    assert state(rest, message_id)["State"] == 255


def test_state_without_message_id(rest, session_id):
    response = requests.get(f"{rest}/Sms/State", params={"sessionId": session_id})
    assert response.status_code == 400
    assert response.json() == {"Code": 1, "Desc": "MessageID can not be null or empty Parameter name: messageId"}


def test_state_per_segment_with_v1_session_and_param_case(rest, session_id, devino_mock):
    ids = requests.post(f"{rest}/Sms/Send", data={"SessionID": session_id, "SourceAddress": "DEVINO", "DestinationAddress": "79161234567", "Data": "a" * 200}).json()
    assert len(ids) == 2
    devino_mock.advance(5)
    for message_id in ids:
        assert requests.get(f"{rest}/Sms/State?sessionID={session_id}&messageID={message_id}").json()["State"] == 0


@pytest.mark.parametrize("number,final", [
    ("79990000010", 10), ("79990000011", 11), ("79990000041", 41), ("79990000042", 42),
    ("79990000047", 47), ("79990000048", 48), ("79990000069", 69), ("79990000098", -98), ("79990000099", 99),
])
def test_magic_numbers_reach_every_final_status(rest, devino_mock, number, final):
    [message_id] = send(rest, DestinationAddress=number)
    devino_mock.advance(10)
    assert state(rest, message_id)["State"] == final
    assert devino_mock.message(message_id)["final"] is True


def test_expiry_by_validity(rest, devino_mock):
    [message_id] = send(rest, DestinationAddress="79990000046", Validity="10")
    devino_mock.advance(5)
    assert state(rest, message_id)["State"] == -1
    devino_mock.advance(10 * 60)
    expired = state(rest, message_id)
    assert expired["State"] == 46 and expired["StateDescription"] == "Просрочено (истек срок жизни сообщения)"


def test_default_validity_is_2880_minutes(rest, devino_mock):
    [message_id] = send(rest, DestinationAddress="79990000003", Validity="0")
    devino_mock.advance(2880 * 60 - 5)
    assert state(rest, message_id)["State"] == -1
    devino_mock.advance(10)
    # 2880 minutes are exactly the 48 hours after which State answers 255; the journal keeps it.
    assert state(rest, message_id)["State"] == 255
    assert devino_mock.message(message_id)["status"] == 46


def test_stuck_in_queue_then_expired(rest, devino_mock):
    [message_id] = send(rest, DestinationAddress="79990000002", Validity="1")
    devino_mock.advance(30)
    assert state(rest, message_id)["State"] == -2
    devino_mock.advance(31)
    assert state(rest, message_id)["State"] == 46


def test_slow_delivery(rest, devino_mock):
    [message_id] = send(rest, DestinationAddress="79990000001")
    devino_mock.advance(61)
    assert state(rest, message_id)["State"] == -1
    devino_mock.advance(3600)
    assert state(rest, message_id)["State"] == 0


def test_send_date_in_utc_delays_the_send(rest, devino_mock):
    when = (datetime.now(timezone.utc) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S")
    [message_id] = send(rest, DestinationAddress="79161234567", SendDate=when)
    devino_mock.advance(3600)
    assert state(rest, message_id)["State"] == -2
    devino_mock.advance(3600 + 5)
    assert state(rest, message_id)["State"] == 0


def test_send_by_time_zone_uses_the_recipients_wall_clock(rest, devino_mock):
    # A +7 number is UTC+3: a wall-clock time 4 hours ahead of UTC is 1 hour ahead for the recipient.
    wall = (datetime.now(timezone.utc) + timedelta(hours=4)).strftime("%Y-%m-%d %H:%M:%S")
    [msk] = send(rest, "Sms/SendByTimeZone", DestinationAddress="79161234567", SendDate=wall)
    [london] = send(rest, "Sms/SendByTimeZone", DestinationAddress="447700900123", SendDate=wall)
    devino_mock.advance(3600 + 5)
    assert state(rest, msk)["State"] == 0
    assert state(rest, london)["State"] == -2
    devino_mock.advance(3 * 3600)
    assert state(rest, london)["State"] == 0


def test_send_by_time_zone_to_addresses_without_send_date_is_immediate(rest, devino_mock):
    ids = send(rest, "Sms/SendByTimeZoneToAddresses", DestinationAddresses=["79161234567", "79161234568"])
    devino_mock.advance(5)
    assert [state(rest, i)["State"] for i in ids] == [0, 0]


def test_past_or_unparseable_send_date_sends_now(rest, devino_mock):
    [past] = send(rest, DestinationAddress="79161234567", SendDate="2011-01-28T16:00:00")
    [typo] = send(rest, "Sms/SendBulk", DestinationAddresses="79161234567", SendDate="2010-0601T19:14:00")
    devino_mock.advance(5)
    assert state(rest, past)["State"] == 0 and state(rest, typo)["State"] == 0


def test_control_api_steers_the_next_status(rest, devino_mock):
    [message_id] = send(rest, DestinationAddress="79161234567")
    devino_mock.set_status(message_id, "rejected_by_smsc")
    devino_mock.advance(10)
    assert state(rest, message_id)["State"] == 42
    assert devino_mock.message(message_id)["planned"] == []


# --- incoming ---

def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S")


def test_incoming_pull_v1_and_v2(rest, session_id, devino_mock):
    devino_mock.incoming(login="test_login", source="+79260000000", destination="79160000000", text="test1")
    devino_mock.incoming(login="test_login", source="79260000001", destination="79160000000", text="test2")
    devino_mock.incoming(login="test", source="79260000002", destination="79160000009", text="not mine")
    now = datetime.now(timezone.utc)
    params = {"minDateUTC": iso(now - timedelta(days=1)), "maxDateUTC": iso(now + timedelta(days=1))}
    v1 = requests.get(f"{rest}/Sms/In", params={"sessionId": session_id, **params}).json()
    v2 = requests.get(f"{rest}/v2/Sms/In", params={**V2, **params}).json()
    assert v1 == v2
    assert [(m["Data"], m["SourceAddress"], m["DestinationAddress"]) for m in v1] == [
        ("test1", "79260000000", "79160000000"), ("test2", "79260000001", "79160000000")]
    assert list(v1[0]) == ["Data", "SourceAddress", "DestinationAddress", "ID", "CreatedDateUtc", "CreationDateUtc"]
    assert isinstance(v1[0]["ID"], int) and v1[1]["ID"] > v1[0]["ID"]
    assert v1[0]["CreatedDateUtc"].startswith("/Date(")


def test_incoming_period_filter_and_raw_colons(rest, session_id, devino_mock):
    devino_mock.incoming(login="test_login", source="79260000000", destination="79160000000", text="old")
    devino_mock.advance(3600)
    devino_mock.incoming(login="test_login", source="79260000000", destination="79160000000", text="new")
    since = iso(datetime.now(timezone.utc) + timedelta(minutes=30))
    until = iso(datetime.now(timezone.utc) + timedelta(hours=2))
    url = f"{rest}/Sms/In?sessionId={session_id}&minDateUTC={since}&maxDateUTC={until}"  # raw ':' (official PHP)
    assert [m["Data"] for m in requests.get(url).json()] == ["new"]


def test_incoming_missing_dates_is_code_9(rest, session_id):
    now = iso(datetime.now(timezone.utc))
    response = requests.get(f"{rest}/Sms/In", params={"sessionId": session_id, "minDateUTC": now})
    assert response.status_code == 500
    assert response.json() == {"Code": 9, "Desc": (
        "The parameters dictionary contains a null entry for parameter 'maxDateUtc' of non-nullable type 'DateTime' "
        "for method 'System.Web.Mvc.ActionResult In(System.String, DateTime, DateTime)' in "
        "'RestService.Controllers.SmsController'. An optional parameter must be a reference type, a nullable type, "
        "or be declared as an optional parameter. Parameter name: parameters")}
    response = requests.get(f"{rest}/Sms/In", params={"sessionId": session_id, "maxDateUTC": now})
    assert "parameter 'minDateUtc'" in response.json()["Desc"]


def test_incoming_missing_max_date_on_v2_is_the_documented_text(rest):
    now = iso(datetime.now(timezone.utc))
    response = requests.get(f"{rest}/v2/Sms/In", params={"Login": "test_login", "Password": "test123", "minDateUTC": now})
    assert (response.status_code, response.json()) == (500, {"Code": 9, "Desc": (
        "The parameters dictionary contains a null entry for parameter 'maxDateUtc' of non-nullable type 'DateTime' "
        "for method 'System.Web.Mvc.ActionResult In(System.String, DateTime, DateTime)' in "
        "'RestService.Controllers.SmsController'. An optional parameter must be a reference type, a nullable type, "
        "or be declared as an optional parameter. Parameter name: parameters")})


def test_incoming_invalid_periods(rest, session_id):
    now = datetime.now(timezone.utc)
    backwards = {"minDateUTC": iso(now), "maxDateUTC": iso(now - timedelta(hours=1))}
    too_old = {"minDateUTC": iso(now - timedelta(days=400)), "maxDateUTC": iso(now)}
    for params in (backwards, too_old):
        response = requests.get(f"{rest}/Sms/In", params={"sessionId": session_id, **params})
        assert response.status_code == 400
        assert response.json() == {"Code": 2, "Desc": "Invalid argument"}


# --- statistics ---

def test_statistics_counts_segments_by_status(rest, devino_mock):
    send(rest, DestinationAddress="79161234567", Data="a" * 200)  # 2 segments delivered
    send(rest, DestinationAddress="79990000042")
    send(rest, DestinationAddress="79990000002")  # stays queued
    devino_mock.advance(10)
    send(rest, DestinationAddress="79161234567")  # still queued at reading time
    now = datetime.now(timezone.utc)
    stats = requests.get(f"{rest}/v2/Sms/Statistics", params={**V2, "startDateTime": (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
                                                              "endDateTime": iso(now + timedelta(days=1))}).json()
    assert stats == {"Sent": 0, "Delivered": 2, "Errors": 0, "InProcess": 2, "Expired": 0, "Rejected": 1,
                     "Total": 5, "TotalWithErrors": 5, "DeliveryRatio": 0.4}


def test_statistics_range_over_90_days(rest, session_id):
    response = requests.get(f"{rest}/Sms/Statistics", params={"sessionId": session_id, "startDateTime": "2026-01-01 00:00:00", "endDateTime": "2026-04-02T00:00:00"})
    assert response.status_code == 400
    assert response.json() == {"Code": 2, "Desc": "Нельзя указывать диапазон дат более 90 дней."}


def test_statistics_missing_date_is_code_9(rest):
    response = requests.get(f"{rest}/v2/Sms/Statistics", params={**V2, "startDateTime": "2026-01-01"})
    assert response.status_code == 500
    body = response.json()
    assert body["Code"] == 9 and "parameter 'endDateTime'" in body["Desc"]
    assert "Statistics(System.String, System.String, DateTime, DateTime)" in body["Desc"]


def test_statistics_end_before_start(rest):
    response = requests.get(f"{rest}/v2/Sms/Statistics", params={**V2, "startDateTime": "2026-02-01", "endDateTime": "2026-01-01"})
    assert response.json() == {"Code": 2, "Desc": "Invalid argument"}
