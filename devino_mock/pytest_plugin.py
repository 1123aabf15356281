"""pytest plugin: the `devino_mock` fixture. One emulator per test session on free ports
(or an external one with --devino-mock-url / DEVINO_MOCK_URL), reset before every test."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from devino_mock.client import MockClient
from devino_mock.server import BackgroundEmulator


class DevinoMock(MockClient):
    """The control client plus where the emulator listens."""

    def __init__(self, base_url: str, ports: dict[str, int]) -> None:
        super().__init__(base_url)
        self.url = self.base_url
        self.ports = dict(ports)
        self.host = urlsplit(self.base_url).hostname or "127.0.0.1"

    @property
    def rest_url(self) -> str:
        """Base of REST v1 (`…/rest`); v2 is `rest_url + "/v2"`."""
        return f"{self.url}/rest"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("devino-mock")
    group.addoption("--devino-mock-url", default=os.environ.get("DEVINO_MOCK_URL"),
                    help="use a devino-mock already running at this URL instead of starting one "
                    "(env DEVINO_MOCK_URL)")


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


@pytest.fixture
def devino_mock(devino_mock_server) -> DevinoMock:
    base_url, ports = devino_mock_server
    mock = DevinoMock(base_url, ports)
    mock.reset()
    return mock
