"""The web UI in a real browser (Debian's chromium driven by Playwright): what a QA person does,
with every change arriving through the event stream, and screenshots at desktop and phone
width kept as artifacts outside the source tree."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import requests

playwright_sync = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

CHROMIUM = os.environ.get("DEVINO_MOCK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(os.environ.get("DEVINO_MOCK_ARTIFACTS") or Path(tempfile.gettempdir()) / "devino-mock-artifacts")
V2 = {"Login": "test_login", "Password": "test123", "SourceAddress": "DEVINO"}
expect = playwright_sync.expect

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"no chromium at {CHROMIUM}: apt-get install chromium (or set DEVINO_MOCK_CHROMIUM)")


@pytest.fixture(scope="module")
def browser():
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, devino_mock):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{devino_mock.url}/")
    expect(page.locator("#live")).not_to_have_class(re.compile(r"\boff\b"))  # the event stream is open
    yield page
    context.close()
    assert errors == []


def send(mock, number="79161234567", text="Your code 1234"):
    response = requests.post(f"{mock.rest_url}/v2/Sms/Send", data={**V2, "DestinationAddress": number, "Data": text})
    return response


def test_a_message_appears_live_opens_and_is_delivered_when_the_clock_moves(page, devino_mock):
    assert page.url.endswith("/_mock/ui/")
    [message_id] = send(devino_mock).json()
    row = page.locator(f'#messages tr[data-id="{message_id}"]')
    expect(row).to_contain_text("Your code 1234")  # arrived through the event stream, no reload
    row.click()
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("(planned)")
    page.get_by_role("button", name="+1m").click()
    expect(row).to_contain_text("delivered")
    expect(timeline).not_to_contain_text("(planned)")
    expect(page.locator("#detail")).to_contain_text("Requests (1)")


def test_filters_and_search_narrow_the_journal(page, devino_mock):
    send(devino_mock, "79161111111", "first text")
    send(devino_mock, "79162222222", "second text")
    expect(page.locator("#messages tbody tr")).to_have_count(2)
    page.get_by_label("search messages").fill("second")
    expect(page.locator("#messages tbody tr")).to_have_count(1)
    expect(page.locator("#messages tbody")).to_contain_text("79162222222")


def test_inject_an_incoming_message_and_a_reply(page, devino_mock):
    [message_id] = send(devino_mock).json()
    page.get_by_role("button", name="Incoming").click()
    form = page.locator("#incoming-sms")
    form.locator("[name=destination]").fill("79000000001")
    form.locator("[name=text]").fill("STOP please")
    form.get_by_role("button").click()
    expect(page.locator("#incoming tbody")).to_contain_text("STOP please")
    reply = page.locator("#incoming-reply")
    reply.locator("[name=parent_id]").fill(message_id)
    reply.locator("[name=text]").fill("thanks")
    reply.get_by_role("button").click()
    expect(page.locator("#incoming tbody")).to_contain_text(message_id)
    assert [m["text"] for m in devino_mock.incoming_messages()] == ["STOP please", "thanks"]


def test_add_and_remove_a_rule(page, devino_mock):
    page.get_by_role("button", name="Rules").click()
    expect(page.locator("#rules tbody")).to_contain_text("magic number")
    form = page.locator("#rule-form")
    form.locator("[name=destination]").fill("79161234500")
    form.locator("[name=status]").fill("42")
    form.get_by_role("button").click()
    own = page.locator("#rules tr.own")
    expect(own).to_contain_text("79161234500")
    send(devino_mock, "79161234500")
    devino_mock.advance(60)
    assert devino_mock.messages(destination="79161234500")[0]["status"] == 42
    own.get_by_role("button", name="Remove").click()
    expect(own).to_have_count(0)


def test_a_fault_breaks_rest_and_the_error_shows(page, devino_mock):
    page.get_by_role("button", name="Faults").click()
    form = page.locator("#fault-form")
    form.locator("[name=surface]").select_option("rest_v2")
    form.locator("[name=kind]").select_option("error")
    form.locator("[name=count]").fill("1")
    form.get_by_role("button").click()
    expect(page.locator("#faults tbody tr")).to_have_count(1)
    assert send(devino_mock).status_code == 503
    expect(page.locator("#faults tbody")).to_contain_text("1")
    page.get_by_role("button", name="Requests").click()
    # The send the fault broke (a browser's own requests may be journalled beside it).
    failed = page.locator("#requests .card.failed", has_text="/rest/v2/Sms/Send")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("503")
    page.get_by_role("button", name="Faults").click()
    form.locator("[name=kind]").select_option("latency")
    form.locator("[name=delay_ms]").fill("-1")
    form.get_by_role("button").click()
    expect(page.get_by_role("alert")).to_contain_text("delay_ms")  # the control API's refusal is shown


@pytest.mark.parametrize("width,height,name", [(1280, 800, "desktop"), (390, 844, "phone")])
def test_screenshots(browser, devino_mock, width, height, name):
    requests.post(f"{devino_mock.url}/_mock/generate", json={"seed": 1, "messages": 15})
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{devino_mock.url}/_mock/ui/")
    expect(page.locator("#messages tbody tr")).to_have_count(15)
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing runs off the side
    first = page.locator("#messages tbody tr").first
    first.click()
    expect(page.get_by_test_id("timeline")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"ui-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    context.close()
    print(f"screenshot: {path}")
    assert path.stat().st_size > 10_000
