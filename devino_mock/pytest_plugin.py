"""pytest plugin: the `devino_mock` fixture. One emulator per test session on free ports,
reset before every test; or one started elsewhere (--devino-mock-url / DEVINO_MOCK_URL),
also reset before every test unless it is shared (--devino-mock-shared / DEVINO_MOCK_SHARED=1):
then each test resets only its own account, so that parallel CI jobs and pytest-xdist workers
pointed at one server never disturb each other (mock-interface.md §13). Every test gets an
account of its own in every mode: `devino_mock.login`, `devino_mock.password`."""

from __future__ import annotations

import os
import secrets
from urllib.parse import urlsplit

import pytest

from devino_mock.client import MockClient
from devino_mock.server import BackgroundEmulator


class DevinoMock(MockClient):
    """The control client plus where the emulator listens."""

    def __init__(self, base_url: str, ports: dict[str, int], shared: bool = False) -> None:
        super().__init__(base_url)
        self.url = self.base_url
        self.ports = dict(ports)
        self.host = urlsplit(self.base_url).hostname or "127.0.0.1"
        self.shared = shared  # an external server other tests use at the same time
        self.login: str = ""
        self.password: str = ""

    @property
    def rest_url(self) -> str:
        """Base of REST v1 (`…/rest`); v2 is `rest_url + "/v2"`."""
        return f"{self.url}/rest"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("devino-mock")
    group.addoption("--devino-mock-url", default=os.environ.get("DEVINO_MOCK_URL"),
                    help="use a devino-mock already running at this URL instead of starting one "
                    "(env DEVINO_MOCK_URL)")
    group.addoption("--devino-mock-shared", action="store_true",
                    default=os.environ.get("DEVINO_MOCK_SHARED", "").lower() in ("1", "true", "yes"),
                    help="the server at --devino-mock-url is shared with other test runs: reset only "
                    "each test's own account, never the whole server (env DEVINO_MOCK_SHARED=1)")


@pytest.fixture(scope="session")
def devino_mock_server(request: pytest.FixtureRequest):
    """(base_url, ports) of the session's emulator."""
    external = request.config.getoption("--devino-mock-url")
    if external:
        health = MockClient(external).health()
        yield external.rstrip("/"), health["ports"]
        return
    with BackgroundEmulator() as emulator:
        yield emulator.base_url, emulator.ports


def _own_login(request: pytest.FixtureRequest) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"t_{worker}_{secrets.token_hex(6)}"


@pytest.fixture
def devino_mock(devino_mock_server, request: pytest.FixtureRequest):
    base_url, ports = devino_mock_server
    shared = bool(request.config.getoption("--devino-mock-url")) and request.config.getoption("--devino-mock-shared")
    mock = DevinoMock(base_url, ports, shared=shared)
    login, password = _own_login(request), secrets.token_hex(4)  # SMPP clients cut passwords at 8
    if shared:
        mock.reset(login)  # nothing of a login never used before, but rules may name it
    else:
        mock.reset()
    mock.add_account(login, password)
    mock.login, mock.password = login, password
    yield mock
    if shared:
        mock.reset(login)  # leave the shared server as it was found
