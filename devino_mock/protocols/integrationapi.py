"""What the ServiceStack-style JSON APIs on integrationapi.net share (email-http.md §2, §7.1–§7.2;
addressbook.md §2, §6.1): HTTP Basic auth against the accounts, bodies in JSON or XML with
case-insensitive names, the `Range: items=a-b` header, the {"Code","Description","Result"}
envelope in JSON or XML with an English or Russian description, and the .NET date forms."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from aiohttp import web
from lxml import etree

from devino_mock import jsonbody
from devino_mock.core import errors
from devino_mock.core.platform import Platform
from devino_mock.protocols.basic_auth import basic_credentials
from devino_mock.protocols.values import EARLIEST, LATEST, as_utc, parse_datetime

MAX_BODY = 16 * 1024 * 1024  # the 10 MB letter limit fits, with its JSON around it
MAX_LIST = 10_000  # items of any list in a body (imports are the longest documented)
OK, VALIDATION_ERROR, INTERNAL_ERROR = "ok", "validation_error", "internal_error"
JSON_TYPE, XML_TYPE = "application/json", "application/xml"
REALM = 'Basic realm="integrationapi.net"'
_RANGE_RE = re.compile(r"^\s*items\s*=\s*(\d{1,9})\s*-\s*(\d{1,9})\s*$", re.IGNORECASE)
_TRAILING_COMMA = re.compile(rb",(\s*[}\]])")
_NET_DATE = re.compile(r"^\s*/?Date\((-?\d{1,15})([+-]\d{4})?\)/?\s*$", re.IGNORECASE)
_US_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")


class ApiError(Exception):
    """An error answer: HTTP status, a message key of the adapter's table and its values."""

    def __init__(self, status: int, key: str, code: str = VALIDATION_ERROR, **params: object) -> None:
        super().__init__(key)
        self.status, self.key, self.code, self.params = status, key, code, params


# --- request ---------------------------------------------------------------------------------


class Fields:
    """A body object read with case-insensitive names (ServiceStack), `included` = `Included`."""

    def __init__(self, data: object) -> None:
        self.raw = data if isinstance(data, dict) else {}
        self._folded = {str(k).casefold(): v for k, v in self.raw.items()}

    def __contains__(self, name: str) -> bool:
        return name.casefold() in self._folded

    def get(self, *names: str) -> object:
        for name in names:
            value = self._folded.get(name.casefold())
            if value is not None:
                return value
        return None

    def text(self, *names: str, most: int | None = None) -> str | None:
        """A string (numbers become their text); "" counts as absent."""
        value = self.get(*names)
        if value is None or isinstance(value, (dict, list)):
            return None
        if isinstance(value, bool):
            value = "true" if value else "false"
        text = str(value)
        if most is not None and len(text) > most:
            raise ApiError(400, "too_long", field=names[0])
        return text if text.strip() else None

    def obj(self, *names: str) -> "Fields":
        value = self.get(*names)
        return Fields(value if isinstance(value, dict) else {})

    def items(self, *names: str) -> list:
        value = self.get(*names)
        if value is None:
            return []
        if isinstance(value, dict):  # one XML child stands for a one-item list
            value = [value]
        if not isinstance(value, list):
            raise ApiError(400, "bad_body")
        if len(value) > MAX_LIST:
            raise ApiError(400, "too_many_items", field=names[0], most=MAX_LIST)
        return value


def integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < 2**63 else None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
        return int(value)
    return None


def flag(value: object) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise ValueError(f"not a boolean: {value!r}")


def enum(value: object, names: tuple[str, ...] | dict[int, str], first: int = 0) -> str | None:
    """A documented enum given by name (any case) or by number (A-11, §2.7)."""
    table = names if isinstance(names, dict) else {i + first: n for i, n in enumerate(names)}
    number = integer(value)
    if number is not None:
        return table.get(number)
    if isinstance(value, str):
        folded = value.strip().casefold()
        return next((n for n in table.values() if n.casefold() == folded), None)
    return None


def parse_date(value: object) -> datetime | None:
    """`MM/dd/yyyy[ HH:mm[:ss]]`, ISO-8601 or `/Date(ms±hhmm)/`; naive values are UTC (§7.1 item 9).
    ValueError when given but unreadable, or a date outside the platform's (core/clock.py)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    match = _NET_DATE.match(value)
    if match:
        try:
            return _within(datetime.fromtimestamp(int(match.group(1)) / 1000, tz=timezone.utc), value)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"not a date: {value!r}") from None
    match = _US_DATE.match(value)
    if match:
        month, day, year, hour, minute, second = match.groups()
        try:
            return _within(datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                    int(second or 0), tzinfo=timezone.utc), value)
        except ValueError:
            raise ValueError(f"not a date: {value!r}") from None
    parsed = parse_datetime(value.strip())  # its wall clock is checked there
    if parsed is None:
        raise ValueError(f"not a date: {value!r}")
    return as_utc(parsed)


def _within(moment: datetime, text: str) -> datetime:
    """A UTC date the platform can hold: year 1 or 9999 would overflow once a day is added."""
    if not EARLIEST <= moment.replace(tzinfo=None) <= LATEST:
        raise ValueError(f"date out of range: {text!r}")
    return moment


def net_date(at: datetime | None) -> str | None:
    """`/Date(ms-0000)/`, as every example writes it."""
    return None if at is None else f"/Date({int(at.timestamp() * 1000)}-0000)/"


def wants_xml(request: web.Request) -> bool:
    """`format` wins over Accept; JSON unless XML is asked for (§7.1 item 5)."""
    fmt = request.query.get("format", "").strip().lower()
    if fmt:
        return fmt == "xml"
    accept = request.headers.get("Accept", "").lower()
    return ("application/xml" in accept or "text/xml" in accept) and "application/json" not in accept


def russian(request: web.Request) -> bool:
    return request.headers.get("Accept-Language", "").strip().lower().startswith("ru")


async def read_body(request: web.Request) -> Fields:
    """The body as Fields (JSON, or XML by content type or first character), merged over the
    query string (body wins); 400 bad_body when unreadable."""
    try:
        # read() takes the whole body, bounded by the app's client_max_size; content.read(n)
        # would stop at whatever chunk has arrived.
        raw = await request.read() if request.body_exists else b""
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "too_big_body") from None
    if len(raw) > MAX_BODY:
        raise ApiError(413, "too_big_body")
    data: dict = {k: v for k, v in request.query.items() if k.lower() != "format"}
    text = raw.strip()
    if text:
        xml = "xml" in request.content_type.lower() or text.startswith(b"<")
        try:
            parsed = _xml(text) if xml else _json(text)
        except ValueError:
            raise ApiError(400, "bad_body") from None
        if not isinstance(parsed, dict):
            raise ApiError(400, "bad_body")
        data.update(parsed)
    return Fields(data)


def _json(raw: bytes) -> object:
    try:
        return jsonbody.parse(raw)
    except ValueError:
        # The documented import example has a trailing comma (addressbook.md B-4).
        return jsonbody.parse(_TRAILING_COMMA.sub(rb"\1", raw))


_LIST_ELEMENTS = {"recipients", "contactgroups", "contacts", "groups", "includedcontacts", "excludedcontacts"}
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True,
                              remove_pis=True, load_dtd=False)


def _xml(raw: bytes) -> object:
    try:
        root = etree.fromstring(raw, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ValueError(str(exc)) from None
    if len(root) and len(raw) and _depth(root) > jsonbody.MAX_JSON_DEPTH:
        raise ValueError("too deep")
    return _element(root, top=True)


def _depth(element, level: int = 1) -> int:
    return max([level] + [_depth(child, level + 1) for child in element if level < 64])


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _element(element, top: bool = False) -> object:
    children = [c for c in element if isinstance(c.tag, str)]
    name = _local(element.tag).casefold()
    if not children:
        return None if top and not (element.text or "").strip() else (element.text or "")
    if not top and (name in _LIST_ELEMENTS or (len(children) > 1 and len({c.tag for c in children}) == 1
                                              and name != "mergefields")):
        return [_element(c) for c in children]
    return {_local(c.tag): _element(c) for c in children}


# Descriptions both integrationapi.net JSON APIs (e-mail, AddressBook) answer with, in English and
# Russian (email-http.md §7.3, addressbook.md §2.6); each API's table adds its own.
COMMON_TEXTS: dict[str, tuple[str, str]] = {
    "user_not_found": ("user not found", "пользователь не найден"),
    "access_denied": ("access denied", "доступ запрещён"),
    "range_required": ("Range header is required", "Необходимо передать заголовок Range"),
    "bad_body": ("invalid request body", "некорректное тело запроса"),
    "too_big_body": ("invalid request body", "некорректное тело запроса"),
    "too_long": ("{field} is too long", "поле {field} слишком длинное"),
    "required": ("{field} is required", "Не заполнено обязательное поле {field}"),
    "invalid_value": ("invalid value of {field}", "некорректное значение поля {field}"),
}


def match_route(routes, method: str, parts: list[str], aliases: dict[str, str] | None = None) -> tuple[tuple, list[str]]:
    """The route for `method` and the path `parts` among `routes` ((method, pattern, …), each
    pattern a tuple of lower-case path parts where `{…}` binds one), matched case-insensitively,
    `aliases` naming parts that clients spell otherwise: (the route, the bound parts). ApiError
    405 when the path is known for other methods, 404 when not at all."""
    folded = [p.casefold() for p in parts]
    allowed = False
    for route in routes:
        params = _bind(route[1], folded, parts, aliases or {})
        if params is None:
            continue
        if route[0] == method:
            return route, params
        allowed = True
    raise ApiError(405 if allowed else 404, "method" if allowed else "no_route")


def _bind(pattern: tuple[str, ...], folded: list[str], parts: list[str], aliases: dict[str, str]) -> list[str] | None:
    if len(pattern) != len(folded):
        return None
    params = []
    for want, got, raw in zip(pattern, folded, parts):
        if want.startswith("{"):
            params.append(raw)
        elif aliases.get(got, got) != want:
            return None
    return params


def credentials(request: web.Request) -> tuple[str, str] | None:
    given = basic_credentials(request.headers.get("Authorization"))
    return (given.login or "", given.password or "") if given else None


def authenticate(platform: Platform, request: web.Request) -> str:
    """The login of the Basic credentials; 401 "user not found" otherwise, 403 when disabled."""
    given = credentials(request)
    if given is None:
        raise ApiError(401, "user_not_found")
    try:
        account = platform.authenticate(*given)
    except errors.PlatformError:
        raise ApiError(401, "user_not_found") from None
    if not account.enabled:
        raise ApiError(403, "access_denied")
    return account.login


@dataclass(frozen=True)
class ItemsRange:
    first: int
    last: int

    def page(self, items: list) -> list:
        return items[self.first - 1:self.last]

    def content_range(self, total: int) -> str:
        return f"items {self.first}-{min(self.last, max(total, self.first))}/{total}"


def items_range(request: web.Request) -> ItemsRange:
    """`Range: items=first-last`, 1-based, inclusive; 416 when missing or unusable (§7.2)."""
    match = _RANGE_RE.match(request.headers.get("Range", ""))
    if not match:
        raise ApiError(416, "range_required")
    first, last = int(match.group(1)), int(match.group(2))
    if first < 1 or last < first:
        raise ApiError(416, "range_required")
    return ItemsRange(first, last)


# --- response --------------------------------------------------------------------------------


class Envelope:
    """Renders {"Result","Code","Description"} as JSON or XML, with descriptions from a
    per-API table {key: (english, russian)}."""

    def __init__(self, texts: dict[str, tuple[str, str]]) -> None:
        self.texts = texts

    def describe(self, key: str, request: web.Request, params: dict) -> str:
        english, ru = self.texts.get(key, (key, ""))
        text = ru if russian(request) and ru else english
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text

    def answer(self, request: web.Request, result: object = None, status: int = 200, description: str = "ok",
               code: str = OK, operation: str = "", headers: dict | None = None, has_result: bool = True) -> web.Response:
        payload: dict = {}
        if has_result and result is not None:
            payload["Result"] = result
        payload["Code"] = code
        payload["Description"] = description
        if wants_xml(request):
            root = etree.Element(f"{operation or 'Api'}Response")
            for key, value in payload.items():
                _to_xml(root, key, value)
            body = etree.tostring(root, xml_declaration=True, encoding="utf-8")
            return web.Response(status=status, body=body, content_type=XML_TYPE, charset="utf-8", headers=headers)
        return web.Response(status=status, text=json.dumps(payload, ensure_ascii=False), content_type=JSON_TYPE,
                            charset="utf-8", headers=headers)

    def error(self, request: web.Request, exc: ApiError, operation: str = "") -> web.Response:
        headers = {"WWW-Authenticate": REALM} if exc.status == 401 else None
        return self.answer(request, None, exc.status, self.describe(exc.key, request, exc.params), exc.code,
                           operation, headers)


def _to_xml(parent, name: str, value: object) -> None:
    if value is None:
        return  # null properties are omitted, as in every example
    element = etree.SubElement(parent, re.sub(r"[^A-Za-z0-9_]", "_", name) or "Item")
    if isinstance(value, dict):
        for key, item in value.items():
            _to_xml(element, str(key), item)
    elif isinstance(value, list):
        for item in value:
            _to_xml(element, "Item" if isinstance(item, dict) else "Value", item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _xml_text(str(value))


def _xml_text(text: str) -> str:
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20 and c not in "\ufffe\uffff")


def strip_nulls(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if v is not None}


__all__ = ["ApiError", "Envelope", "Fields", "ItemsRange", "authenticate", "enum", "flag", "integer",
           "items_range", "net_date", "parse_date", "read_body", "strip_nulls", "wants_xml"]
