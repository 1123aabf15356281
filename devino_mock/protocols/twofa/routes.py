"""GenerateCode and CheckCode: parse leniently (JSON, form, query string or XML; field names in
any letter case; `Imsi`/`imsiCode` for `IMSICode`) -> the 2FA service -> `{"Code","Description"}`
with HTTP 200 for every business outcome (twofa.md §5.1)."""

from __future__ import annotations

import json
import logging
from typing import Callable
from xml.etree import ElementTree

from aiohttp import web

from devino_mock.core.platform import Platform
from devino_mock.core.services.twofa import Verdict
from devino_mock.protocols.http_params import Params, parse_query
from devino_mock.protocols.twofa import codes
from devino_mock.protocols.twofa.faults import TwofaFaults
from devino_mock.web import Router, body_of

log = logging.getLogger("devino_mock.twofa")
JSON_TYPE = "application/json; charset=utf-8"
MAX_BODY = 64 * 1024


class BadRequest(Exception):
    """A body the service cannot read (malformed JSON or XML)."""


def _xml_pairs(text: str) -> list[tuple[str, str]]:
    """`<GenerateCode><DestinationNumber>…</DestinationNumber></GenerateCode>`: the root's
    children, namespaces dropped."""
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise BadRequest("no DTDs")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise BadRequest(str(exc)) from None
    return [(child.tag.rsplit("}", 1)[-1], (child.text or "").strip()) for child in root]


async def read(request: web.Request) -> Params:
    pairs = parse_query(request.rel_url.raw_query_string)
    raw = await body_of(request, MAX_BODY)
    if len(raw) > MAX_BODY:
        raise BadRequest("body too large")
    text = raw.decode("utf-8", "replace").strip()
    content_type = request.content_type.lower()
    if text:
        if "json" in content_type or text[0] in "{[":
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
            if not isinstance(data, dict):
                raise BadRequest("a JSON object is expected")
            # Body before query string: the first value of a name wins.
            pairs = [(str(k), "" if v is None else str(v)) for k, v in data.items()
                     if not isinstance(v, (dict, list))] + pairs
        elif "xml" in content_type or text[0] == "<":
            pairs = _xml_pairs(text) + pairs
        else:
            pairs = parse_query(text) + pairs
    return Params(pairs)


def _wants_xml(request: web.Request) -> bool:
    if request.query.get("format", "").lower() == "xml":
        return True
    accept = request.headers.get("Accept", "").lower()
    return "xml" in accept and "json" not in accept.split("xml")[0]


def _code_value(code: int, method: str, verdict: Verdict | None) -> object:
    """C-1: GenerateCode shows `Code` as a string, CheckCode as a number, unless the ApiKey's
    settings say otherwise."""
    choice = verdict.account.twofa.code_json_type if verdict and verdict.account else "per-endpoint"
    if choice == "per-endpoint":
        choice = "string" if method == "GenerateCode" else "number"
    return str(code) if choice == "string" else code


def respond(request: web.Request, method: str, code: int, description: str, verdict: Verdict | None = None,
            status: int = 200) -> web.Response:
    if _wants_xml(request):
        root = ElementTree.Element(f"{method}Response")
        ElementTree.SubElement(root, "Code").text = str(code)
        ElementTree.SubElement(root, "Description").text = description
        body = ElementTree.tostring(root, encoding="unicode")
        return web.Response(text=body, status=status, content_type="application/xml", charset="utf-8")
    body = json.dumps({"Code": _code_value(code, method, verdict), "Description": description})
    return web.Response(text=body, status=status, headers={"Content-Type": JSON_TYPE})


Operation = Callable[[Platform, str | None, Params], Verdict]


def _generate(platform: Platform, key: str | None, params: Params) -> Verdict:
    return platform.twofa.generate(key, params.get("destinationnumber"),
                                   params.get("imsicode", "imsi"))


def _check(platform: Platform, key: str | None, params: Params) -> Verdict:
    return platform.twofa.check(key, params.get("destinationnumber"), params.get("code"))


def _handler(platform: Platform, method: str, operation: Operation, table: dict):
    faults = TwofaFaults(platform.store)

    async def handle(request: web.Request) -> web.Response:
        if request.method not in ("POST", "GET", "HEAD"):
            return web.json_response({"Code": "4", "Description": "Method not allowed"}, status=405,
                                     headers={"Allow": "POST, GET"})
        try:
            params = await read(request)
        except BadRequest:
            return respond(request, method, *codes.INTERNAL, status=400)
        injected = faults.draw(method)
        if injected is not None:
            return respond(request, method, *(codes.INTERNAL if injected == 4 else table[codes.FAILED_OUTCOME[method]]))
        try:
            verdict = operation(platform, request.headers.get("X-ApiKey"), params)
        except Exception:
            log.exception("2FA %s failed", method)
            return respond(request, method, *codes.INTERNAL)
        code, description = table[verdict.outcome]
        return respond(request, method, code, description, verdict)

    return handle


def register(router: Router, platform: Platform) -> None:
    router.add("/GenerateCode", _handler(platform, "GenerateCode", _generate, codes.GENERATE))
    router.add("/CheckCode", _handler(platform, "CheckCode", _check, codes.CHECK))
