"""Every test talks to a real emulator over sockets, through the package's own pytest
plugin (the `devino_mock` fixture: one server per session, reset before each test)."""

from __future__ import annotations

import pytest
import requests


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
