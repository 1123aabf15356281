"""What the XML API does where the documentation leaves a choice (xml-api.md §5.9), per account,
as support would arrange it: `/_mock/xml/accounts/{login}`. Options belong to the account
object they were set for, so a reset (which restores the fixture accounts as new objects) or
replacing the account drops them, as it drops everything else about that account."""

from __future__ import annotations

import json
import urllib.parse
import weakref
from dataclasses import asdict, dataclass, fields

from aiohttp import web

from devino_mock.core.platform import Platform
from devino_mock.protocols.xmlapi import codes
from devino_mock.web import Router

SUCCESS_CODES = (codes.ACCEPTED, 1)  # 1: the seed's only success example (X1)


@dataclass
class AccountOptions:
    unique_ids: bool = False  # X2: a client `id` this account already used is 201 ERR_ID
    success_code: int = codes.ACCEPTED  # X1: what an accepted send answers; 1 as the example shows

    def update(self, values: dict) -> None:
        known = {f.name for f in fields(self)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown option(s): {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")
        if "unique_ids" in values:
            if not isinstance(values["unique_ids"], bool):
                raise ValueError("unique_ids: true or false")
            self.unique_ids = values["unique_ids"]
        if "success_code" in values:
            if values["success_code"] not in SUCCESS_CODES or isinstance(values["success_code"], bool):
                raise ValueError(f"success_code: one of {', '.join(map(str, SUCCESS_CODES))}")
            self.success_code = values["success_code"]


class XmlOptions:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._by_login: dict[str, tuple[weakref.ref, AccountOptions]] = {}

    def of(self, login: str | None) -> AccountOptions:
        account = self.platform.account(login) if login else None
        entry = self._by_login.get(login or "")
        if account is None or entry is None or entry[0]() is not account:
            return AccountOptions()
        return entry[1]

    def set(self, login: str, values: dict) -> AccountOptions | None:
        account = self.platform.account(login)
        if account is None:
            return None
        options = AccountOptions(**asdict(self.of(login)))
        options.update(values)
        self._by_login[login] = (weakref.ref(account), options)
        return options

    def register(self, router: Router) -> None:
        router.add_prefix("/_mock/xml/accounts", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        login = urllib.parse.unquote(request.path.rstrip("/").rsplit("/", 1)[-1])
        if request.method == "GET":
            if self.platform.account(login) is None:
                return _json({"error": f"no such account: {login}"}, 404)
            return _json({"login": login, **asdict(self.of(login))})
        if request.method != "POST":
            return _json({"error": "GET or POST"}, 405)
        try:
            values = json.loads(await request.read() or b"{}")
            if not isinstance(values, dict):
                raise ValueError("expected a JSON object")
            options = self.set(login, values)
        except ValueError as exc:
            return _json({"error": str(exc)}, 400)
        if options is None:
            return _json({"error": f"no such account: {login}"}, 404)
        return _json({"login": login, **asdict(options)})


def _json(payload: object, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status)
