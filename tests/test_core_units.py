"""Core rules checked directly (no wire): numbers, segmentation, date parsing, rules."""

import pytest

from devino_mock.core.numbers import normalize
from devino_mock.core.scenarios import Rule
from devino_mock.core.text import segment
from devino_mock.protocols.values import parse_datetime


@pytest.mark.parametrize("raw,expected", [
    ("79031234567", "79031234567"), ("+79031234567", "79031234567"), ("89031234567", "79031234567"),
    (" 79031234567", "79031234567"), ("8612345678901", "8612345678901"), ("380501234567", "380501234567"),
    ("7903123456", None), ("7" * 16, None), ("", None), ("+", None), ("7903l234567", None), ("٧٩٠٣١٢٣٤٥٦٧", None),
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_gsm_extension_character_never_straddles_two_parts():
    text = "a" * 152 + "€" + "b" * 10
    parts = segment(text).parts
    assert parts[0] == "a" * 152 and parts[1].startswith("€")


def test_surrogate_pairs_count_two_units_and_stay_whole():
    seg = segment("😀" * 35)
    assert seg.encoding == "ucs2" and seg.units == 70 and seg.count == 1
    seg = segment("😀" * 36)
    assert seg.count == 2 and all("\ufffd" not in p for p in seg.parts) and "".join(seg.parts) == "😀" * 36


def test_plain_gsm_and_ucs2_boundaries():
    assert segment("@£$¥èéùìòÇ").encoding == "gsm"
    assert segment("ё").encoding == "ucs2"


@pytest.mark.parametrize("text,ok", [
    ("2011-01-28T16:00:00", True), ("2012-01-18 00:00:00", True), ("2014-11-01T11:30", True),
    ("2030-01-01", True), ("2030-01-01T00:00:00.123Z", True), ("2030-01-01T03:00:00+03:00", True),
    ("2010-0601T19:14:00", False), ("2030-02-30", False), ("yesterday", False), ("", False),
])
def test_parse_datetime(text, ok):
    assert (parse_datetime(text) is not None) is ok


def test_rule_roundtrip_and_matching():
    rule = Rule.from_dict({"destination": "7916*", "status": "expired"})
    assert rule.to_dict() == {"channel": "sms", "destination": "7916*", "status": 46, "submit_delay": 1.0,
                              "delivery_delay": 2.0}
    assert Rule.from_dict(rule.to_dict()) == rule
    assert rule.matches(channel="sms", login="x", source="A", destination="79161234567")
    assert not rule.matches(channel="sms", login="x", source="A", destination="79031234567")


def test_the_docs_list_every_magic_number():
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = "".join(page.read_text(encoding="utf-8") for page in (root / "docs").glob("*.md"))  # linked from the README
    rules = json.loads((root / "devino_mock/fixtures/magic_numbers.json").read_text(encoding="utf-8"))["rules"]
    for rule in rules:
        assert f"| `{rule['destination']}` |" in readme, rule["destination"]


def test_rule_precedence_runtime_first_then_fixture_order():
    from devino_mock.core.scenarios import Scenarios
    from devino_mock.core.store import MemoryStore

    exact = Rule.from_dict({"destination": "79990000000", "status": 0})
    glob = Rule.from_dict({"destination": "7999*", "status": 69})
    scenarios = Scenarios([exact, glob], MemoryStore())
    ask = dict(channel="sms", login="x", source="A")
    assert scenarios.outcome(destination="79990000000", **ask).status == "delivered"
    assert scenarios.outcome(destination="79990000001", **ask).status == "rejected"
    added = scenarios.add(Rule.from_dict({"destination": "799900000*", "status": 42}))
    assert scenarios.outcome(destination="79990000000", **ask).status == "rejected_by_smsc"
    assert scenarios.outcome(destination="79990000000", **{**ask, "channel": "viber"}).status == "read"
    assert scenarios.remove(added.id) and not scenarios.remove(added.id)
    assert scenarios.outcome(destination="79990000000", **ask).status == "delivered"
    assert scenarios.outcome(destination="79161234567", **ask).status == "delivered"


def test_the_scheduler_runs_due_work_in_order_and_at_most_a_share_when_asked():
    from datetime import datetime, timedelta, timezone

    from devino_mock.core.lifecycle import Scheduler

    scheduler, ran = Scheduler(), []
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for i in reversed(range(5)):
        scheduler.at(start + timedelta(seconds=i), ran.append, i)
    scheduler.at(start + timedelta(hours=1), ran.append, "later")
    now = (start + timedelta(seconds=10)).timestamp()
    assert scheduler.run_due(now, limit=2) == 2 and ran == [0, 1]  # the ticker's share of one turn
    assert scheduler.run_due(now) == 3 and ran == [0, 1, 2, 3, 4]  # a reader runs the rest
    assert scheduler.next_due() == (start + timedelta(hours=1)).timestamp()


def test_work_due_n_seconds_after_a_clock_reading_runs_when_the_clock_is_advanced_by_n():
    # Datetimes are whole microseconds; the clock's float is finer, so now() + 0.5 s may round up
    # past the clock advanced by 0.5 s. Checked over many sub-microsecond starting points.
    from datetime import timedelta

    from devino_mock.core.clock import Clock
    from devino_mock.core.lifecycle import Scheduler

    late = []
    for i in range(1000):
        clock, scheduler, ran = Clock(), Scheduler(), []
        clock.freeze()
        clock.advance(i * 1e-7)
        scheduler.at(clock.now() + timedelta(milliseconds=500), ran.append, i)
        clock.advance(0.5)
        scheduler.run_due(clock.timestamp())
        late += [] if ran else [i]
    assert late == []
