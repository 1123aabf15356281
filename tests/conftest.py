"""Every test talks to a real emulator over sockets, through the package's own pytest
plugin (the `devino_mock` fixture: one server per session, reset before each test). The
server runs once in memory and once on SQLite (--data-dir), so the two stores cannot drift
apart."""

from __future__ import annotations

import shutil
import tempfile

import pytest
import requests

from devino_mock.config import Settings
from devino_mock.pytest_plugin import EmulatorAddress, wait_for_external
from devino_mock.pytest_plugin import _setting as plugin_setting
from devino_mock.server import BackgroundEmulator


@pytest.fixture(scope="session", params=["memory", "sqlite"])
def devino_mock_server(request: pytest.FixtureRequest):
    """(base_url, ports) of an emulator with the in-memory store, then one with SQLite."""
    external = plugin_setting(request.config, "url")
    if external:  # this suite against a server started elsewhere: the store it was started with
        if request.param == "sqlite":
            pytest.skip("an external server has the store it was started with")
        health = wait_for_external(str(external), 30.0)
        yield EmulatorAddress(str(external).rstrip("/"), health["ports"], started=False)
        return
    data_dir = tempfile.mkdtemp(prefix="devino-mock-test-") if request.param == "sqlite" else None
    try:
        with BackgroundEmulator(Settings.ephemeral(data_dir=data_dir)) as emulator:
            yield EmulatorAddress(emulator.base_url, emulator.ports, started=True)
    finally:
        if data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def http(devino_mock):
    """A requests session and the emulator's base URL."""
    with requests.Session() as session:
        session.base = devino_mock.url  # type: ignore[attr-defined]
        yield session


@pytest.fixture
def rest(devino_mock):
    return devino_mock.rest_url


@pytest.fixture
def session_id(devino_mock) -> str:
    response = requests.get(f"{devino_mock.rest_url}/user/sessionid", params={"login": "test_login", "password": "test123"})
    assert response.status_code == 200
    return response.json()
