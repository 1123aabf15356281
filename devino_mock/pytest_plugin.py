"""pytest plugin: the `devino_mock` fixture.

A guest in other people's test suites: loading the plugin imports only the standard library
(it is loaded into every session of every project that has devino-mock installed, and under
`filterwarnings = error` any warning at import time stops those sessions). The emulator and
its protocol libraries are imported, and the emulator started, only when a test first asks
for the fixture: one emulator per test session on free ports, reset before every test.

Pointed at an external server (`--devino-mock-url` / `DEVINO_MOCK_URL`), the fixture waits
for it to turn healthy, reports the ports as the tests reach them, and leaves its state alone
unless `--devino-mock-reset-external` asks for a reset before every test. A server shared with
other test runs (`--devino-mock-shared` / `DEVINO_MOCK_SHARED=1`: parallel CI jobs, pytest-xdist
workers) is never reset whole: each test resets only its own account (mock-interface.md §13).

Every test that may change the server gets an account of its own: `devino_mock.login` and
`devino_mock.password`."""

from __future__ import annotations

import os
import secrets
import time
import warnings
from urllib.parse import urlsplit

import pytest

from devino_mock.client import MockClient
from devino_mock.config import Settings, settings_from_strings

DEFAULT_WAIT = 30.0
HEALTH_POLL = 0.1  # seconds between two health checks while waiting for an external server
SURFACES = ("http", "https", "smpp", "smtp", "smtps", "ftp")


class DevinoMock(MockClient):
    """The control client plus where the emulator listens, as the test reaches it."""

    def __init__(self, base_url: str, ports: dict[str, int], shared: bool = False) -> None:
        super().__init__(base_url)
        self.url = self.base_url
        self.ports = dict(ports)
        self.host = urlsplit(self.base_url).hostname or "127.0.0.1"
        self.shared = shared  # an external server other test runs use at the same time
        self.login: str = ""  # this test's own account (empty on an external server left alone)
        self.password: str = ""

    @property
    def rest_url(self) -> str:
        """Base of REST v1 (`…/rest`); v2 is `rest_url + "/v2"`."""
        return f"{self.url}/rest"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("devino-mock")

    def add(name: str, help: str, ini_type: str | None = None, **kwargs) -> None:
        # Each setting: command line, then environment, then ini value.
        group.addoption(f"--devino-mock-{name}", dest=f"devino_mock_{name.replace('-', '_')}", help=help, **kwargs)
        parser.addini(f"devino_mock_{name.replace('-', '_')}", help=help, type=ini_type)

    add("url", "use a devino-mock already running at this URL instead of starting one (env DEVINO_MOCK_URL)")
    add("wait", f"seconds to wait for the external devino-mock to turn healthy (env DEVINO_MOCK_WAIT, "
        f"default {DEFAULT_WAIT:g})")
    add("ports", "ports of the external devino-mock as the tests reach them, e.g. smpp=32775,smtp=32525 "
        "(a container's mapped ports; env DEVINO_MOCK_PORTS; default: the ports it reports; http: the URL's)")
    add("reset-external", "reset the external devino-mock before every test, as the started one is "
        "(env DEVINO_MOCK_RESET_EXTERNAL=1; default: never touch the state of a server this session did not start)",
        ini_type="bool", action="store_const", const=True, default=None)
    add("shared", "the external devino-mock is shared with other test runs: reset only each test's own "
        "account, never the whole server (env DEVINO_MOCK_SHARED=1)",
        ini_type="bool", action="store_const", const=True, default=None)
    add("fixtures", "JSON file with more accounts, rules and time zones for the started emulator "
        "(env DEVINO_MOCK_FIXTURES)")
    group.addoption("--devino-mock-option", dest="devino_mock_option", action="append", default=[],
                    metavar="NAME=VALUE", help="an emulator setting for the started emulator, e.g. smpp_throttle=10 "
                    "(repeatable; ini devino_mock_options, one per line)")
    parser.addini("devino_mock_options", help="emulator settings NAME=VALUE for the started emulator, one per line",
                  type="linelist", default=[])


def _setting(config: pytest.Config, name: str) -> object:
    """Command line, then DEVINO_MOCK_<NAME>, then the ini file."""
    value = config.getoption(f"devino_mock_{name}")
    if value is None:
        value = os.environ.get(f"DEVINO_MOCK_{name.upper()}")
    if value is None or value == "":
        value = config.getini(f"devino_mock_{name}") or None
    return value


def _truthy(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def parse_ports(text: str) -> dict[str, int]:
    ports: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.replace(";", ",").split(","))):
        name, sep, port = item.partition("=")
        name = name.strip().lower()
        if not sep or name not in SURFACES or not port.strip().isdigit():
            raise pytest.UsageError(f"devino-mock ports: expected NAME=PORT with NAME one of "
                                    f"{', '.join(SURFACES)}, got {item!r}")
        ports[name] = int(port)
    return ports


def emulator_settings(config: pytest.Config) -> Settings:
    """The started emulator's settings from the pytest options and ini values."""
    pairs: dict[str, str] = {}
    for line in [*config.getini("devino_mock_options"), *config.getoption("devino_mock_option")]:
        name, sep, value = str(line).partition("=")
        if not sep:
            raise pytest.UsageError(f"devino-mock option: expected NAME=VALUE, got {line!r}")
        pairs[name.strip()] = value.strip()
    fixtures = _setting(config, "fixtures")
    if fixtures:
        pairs["fixtures"] = str(fixtures)
    try:
        return settings_from_strings(pairs, base=Settings.ephemeral())
    except ValueError as exc:
        raise pytest.UsageError(f"devino-mock option: {exc}") from None


def wait_for_external(url: str, wait: float) -> dict:
    """GET /_mock/health until it answers ok or `wait` seconds pass; one line when it does not."""
    deadline = time.monotonic() + wait
    client = MockClient(url, timeout=min(5.0, max(wait, 0.1)))
    problem = "no answer"
    while True:
        try:
            health = client.health()
            if health.get("status") == "ok":
                return health
            problem = f"health is {health.get('status')!r}"
        except (OSError, ValueError) as exc:  # refused, DNS, timeout, not JSON, HTTP error
            problem = str(getattr(exc, "reason", None) or exc)
        if time.monotonic() >= deadline:
            pytest.fail(f"devino-mock at {url} is not healthy after {wait:g} s: {problem}", pytrace=False)
        time.sleep(HEALTH_POLL)


class EmulatorAddress(tuple):
    """`(base_url, ports)`, as the fixture has always yielded, plus whether this session
    started that emulator (and so may reset it)."""

    def __new__(cls, base_url: str, ports: dict[str, int], started: bool) -> "EmulatorAddress":
        address = super().__new__(cls, (base_url, ports))
        address.started = started
        return address

    @property
    def base_url(self) -> str:
        return self[0]

    @property
    def ports(self) -> dict[str, int]:
        return self[1]


@pytest.fixture(scope="session")
def devino_mock_settings(pytestconfig: pytest.Config) -> Settings:
    """Settings of the emulator the session starts; override this fixture to build them in code."""
    return emulator_settings(pytestconfig)


@pytest.fixture(scope="session")
def devino_mock_server(pytestconfig: pytest.Config, request: pytest.FixtureRequest):
    """The session's emulator: (base_url, ports), plus `.started`."""
    external = _setting(pytestconfig, "url")
    if external:
        url = str(external).rstrip("/")
        wait_text = _setting(pytestconfig, "wait")
        try:
            wait = DEFAULT_WAIT if wait_text is None else float(wait_text)
        except ValueError:
            raise pytest.UsageError(f"devino-mock wait: not a number of seconds: {wait_text!r}") from None
        health = wait_for_external(url, wait)
        ports = {name: int(port) for name, port in health.get("ports", {}).items()}
        # The test reaches the server through the URL: its port is the HTTP port as seen from
        # here, whatever the server reports from inside a container.
        ports["http"] = urlsplit(url).port or (443 if url.startswith("https:") else 80)
        ports.update(parse_ports(str(_setting(pytestconfig, "ports") or "")))
        yield EmulatorAddress(url, ports, started=False)
        return
    settings = request.getfixturevalue("devino_mock_settings")
    with warnings.catch_warnings():
        # The protocol libraries are old; their import-time deprecation warnings are theirs,
        # not the downstream project's.
        warnings.simplefilter("ignore", DeprecationWarning)
        from devino_mock.server import BackgroundEmulator
    with BackgroundEmulator(settings) as emulator:
        yield EmulatorAddress(emulator.base_url, emulator.ports, started=True)


def _own_login() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"t_{worker}_{secrets.token_hex(6)}"


@pytest.fixture
def devino_mock(devino_mock_server: EmulatorAddress, pytestconfig: pytest.Config):
    started = devino_mock_server.started
    shared = not started and _truthy(_setting(pytestconfig, "shared"))
    mock = DevinoMock(devino_mock_server.base_url, devino_mock_server.ports, shared=shared)
    if shared:
        login = _own_login()
        mock.reset(login)  # nothing of a login never used before, but rules may name it
    elif started or _truthy(_setting(pytestconfig, "reset_external")):
        login = _own_login()
        mock.reset()
    else:
        login = ""  # a server this session did not start, not shared and not to be reset: untouched
    if login:
        mock.login, mock.password = login, secrets.token_hex(4)  # SMPP clients cut passwords at 8
        mock.add_account(mock.login, mock.password)
    yield mock
    if shared:
        mock.reset(login)  # leave the shared server as it was found
