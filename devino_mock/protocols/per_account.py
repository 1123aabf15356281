"""Per-account arrangements a surface needs where the documentation says "support sets it up"
(an XML API id check, an SMTP IP allow-list…), kept by the surface itself, not on the core's
`Account`, and steered through the surface's own `/_mock/<surface>/accounts/{login}`.

They are per-account state in the store (a keyed record of `<surface>.options` under the
login): a restart with --data-dir keeps them, a reset forgets them, a scoped reset forgets
the account's (the record names its account)."""

from __future__ import annotations

import copy
import json
import urllib.parse
from dataclasses import asdict, dataclass
from typing import Callable, Generic, Protocol, TypeVar

from aiohttp import web

from devino_mock.core.platform import Platform
from devino_mock.web import Router


class Options(Protocol):
    def update(self, values: dict) -> None:
        """Apply JSON values; ValueError naming the bad one."""


T = TypeVar("T", bound=Options)


@dataclass
class AccountArrangements:
    """The stored record: whose they are, and the surface's options dataclass."""

    login: str
    options: object


class PerAccount(Generic[T]):
    def __init__(self, platform: Platform, kind: str, default: Callable[[], T]) -> None:
        self.platform = platform
        self.kind = kind  # the store's kind of record, "<surface>.options"
        self.default = default

    def of(self, login: str | None) -> T:
        """The account's options (the defaults for an account without any, or no account)."""
        record = self.platform.store.get(self.kind, login) if login else None
        if record is None or self.platform.account(login) is None:  # type: ignore[arg-type]
            return self.default()
        return record.options  # type: ignore[attr-defined, return-value]

    def set(self, login: str, values: dict) -> T | None:
        if self.platform.account(login) is None:
            return None
        options = copy.deepcopy(self.of(login))
        options.update(values)  # a ValueError leaves the stored options as they were
        self.platform.store.put(self.kind, login, AccountArrangements(login, options))
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
