"""Per-account arrangements a surface needs where the documentation says "support sets it up"
(an XML API id check, an SMTP IP allow-list…), kept by the surface itself, not on the core's
`Account`, and steered through the surface's own `/_mock/<surface>/accounts/{login}`.

Options belong to the account object they were set for: a reset (which restores the fixture
accounts as new objects) or replacing the account through the control API drops them, as it
drops everything else about that account."""

from __future__ import annotations

import copy
import json
import urllib.parse
import weakref
from dataclasses import asdict
from typing import Callable, Generic, Protocol, TypeVar

from aiohttp import web

from devino_mock.core.platform import Platform
from devino_mock.web import Router


class Options(Protocol):
    def update(self, values: dict) -> None:
        """Apply JSON values; ValueError naming the bad one."""


T = TypeVar("T", bound=Options)


class PerAccount(Generic[T]):
    def __init__(self, platform: Platform, default: Callable[[], T]) -> None:
        self.platform = platform
        self.default = default
        self._by_login: dict[str, tuple[weakref.ref, T]] = {}

    def of(self, login: str | None) -> T:
        account = self.platform.account(login) if login else None
        entry = self._by_login.get(login or "")
        if account is None or entry is None or entry[0]() is not account:
            return self.default()
        return entry[1]

    def set(self, login: str, values: dict) -> T | None:
        account = self.platform.account(login)
        if account is None:
            return None
        options = copy.deepcopy(self.of(login))
        options.update(values)  # a ValueError leaves the stored options as they were
        self._by_login[login] = (weakref.ref(account), options)
        return options

    def register(self, router: Router, prefix: str) -> None:
        """GET reads an account's options, POST (a JSON object) changes the ones it names."""
        router.add_prefix(prefix, self.handle, surface="control")

    def register_control(self, table, pattern: str) -> None:
        """The same calls in the control table (`pattern` like "/smpp/accounts/{login}")."""
        async def call(call):
            return await self.handle(call.request)

        for method in ("GET", "POST"):
            table.add(method, pattern, call, "an account's arrangements on this surface (GET reads, POST changes)")

    async def handle(self, request: web.Request) -> web.Response:
        login = urllib.parse.unquote(request.path.rstrip("/").rsplit("/", 1)[-1])
        if request.method == "GET":
            if self.platform.account(login) is None:
                return web.json_response({"error": f"no such account: {login}"}, status=404)
            return web.json_response({"login": login, **asdict(self.of(login))})
        if request.method != "POST":
            return web.json_response({"error": "GET or POST"}, status=405)
        try:
            values = json.loads(await request.read() or b"{}")
            if not isinstance(values, dict):
                raise ValueError("expected a JSON object")
            options = self.set(login, values)
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        if options is None:
            return web.json_response({"error": f"no such account: {login}"}, status=404)
        return web.json_response({"login": login, **asdict(options)})


def check_known(options: object, values: dict) -> None:
    known = set(asdict(options))  # type: ignore[call-overload]
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown option(s): {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")
