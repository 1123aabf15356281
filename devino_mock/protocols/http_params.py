"""Request parameters as the real ASP.NET services read them, leniently: query string and
body merged; urlencoded, multipart or JSON bodies; names case-insensitive; lists from
`X=a&X=b`, `X[0]=a` or `X[]=a`; empty values treated as absent.

Hostile bodies are refused before they cost much: more than MAX_PARAMS values is no request
any documented operation needs (the largest, SendBulk, takes 2999 recipients), and a body that
cannot be read as its Content-Type says (a multipart body without boundary, cut off, or with an
unknown charset) raises MalformedBody instead of whatever the parser trips over."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from devino_mock.protocols.slicing import Slices
from devino_mock.web import MAX_BODY

_INDEX_SUFFIX = re.compile(r"\[[^\]]*\]$")
MAX_PARAMS = 10_000  # > 3 x the 2999 recipients of SendBulk (http-rest.md §3.4)


class MalformedBody(ValueError):
    """The body is not what its Content-Type announces."""


class TooManyParameters(ValueError):
    """More values than any documented request carries."""


def _key(name: str) -> str:
    name = name.strip()
    if name.endswith("]"):
        name = _INDEX_SUFFIX.sub("", name)
    return name.lower()


class Params:
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in pairs:
            self._values.setdefault(_key(name), []).append(value)

    def get(self, *names: str) -> str | None:
        """The first non-empty value of the first name present (duplicates: first wins)."""
        for name in names:
            for value in self._values.get(name.lower(), ()):
                if value.strip():
                    return value
        return None

    def getlist(self, *names: str) -> list[str]:
        out: list[str] = []
        for name in names:
            out.extend(v for v in self._values.get(name.lower(), ()) if v.strip())
        return out

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None


def _unquote_plus(text: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    return unquote(text, encoding="utf-8", errors="replace") if "%" in text else text


def parse_query(raw: str) -> list[tuple[str, str]]:
    """What `urllib.parse.parse_qsl(raw, keep_blank_values=True, errors="replace")` returns,
    at a third of its cost: the split is the same, and a field without `%` or `+` (most
    names, most values) is not touched at all. Every REST, XML and JSON request passes here."""
    # Counted first, so that an absurd number of fields is refused before any work.
    if raw.count("&") + raw.count(";") >= MAX_PARAMS:
        raise TooManyParameters(f"more than {MAX_PARAMS} parameters")
    pairs = []
    for field in raw.split("&"):
        if field:
            name, _, value = field.partition("=")
            pairs.append((_unquote_plus(name), _unquote_plus(value)))
    return pairs


def _json_pairs(data: object) -> list[tuple[str, str]]:
    if not isinstance(data, dict):
        return []
    pairs: list[tuple[str, str]] = []
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            if isinstance(item, bool):
                item = "true" if item else "false"
            elif isinstance(item, (dict, list)):
                item = json.dumps(item, ensure_ascii=False)
            pairs.append((str(name), str(item)))
    return pairs


def _json_or_query(text: str) -> list[tuple[str, str]]:
    # Every JSON value but the last is followed by a comma: a cheap bound before parsing.
    if text.count(",") >= MAX_PARAMS:
        raise TooManyParameters(f"more than {MAX_PARAMS} values")
    try:
        return _json_pairs(json.loads(text))
    except RecursionError:  # nesting deeper than any request has: not a request
        raise MalformedBody("JSON nested too deeply") from None
    except ValueError:
        return parse_query(text)


async def _multipart_pairs(request: web.Request) -> list[tuple[str, str]]:
    """Text fields of a multipart/form-data body (file fields are no parameters), read with
    the same size bound aiohttp's own `post()` applies."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=request.content_length)
    pairs: list[tuple[str, str]] = []
    size = 0
    slices = Slices()
    try:
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader) or part.filename is not None or part.name is None:
                continue  # nested multipart or a file: skipped (the reader drains it)
            chunks = []
            while chunk := await part.read_chunk(64 * 1024):
                size += len(chunk)
                if size > MAX_BODY:
                    raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=size)
                chunks.append(chunk)
            data = part.decode(b"".join(chunks))
            charset = part.get_charset(default="utf-8")
            try:
                text = data.decode(charset, errors="replace")
            except LookupError:
                raise MalformedBody(f"unknown charset {charset!r}") from None
            pairs.append((part.name, text))
            if len(pairs) >= MAX_PARAMS:
                raise TooManyParameters(f"more than {MAX_PARAMS} fields")
            await slices.pause()  # aiohttp's multipart parser is pure Python: share the loop
    except (web.HTTPException, MalformedBody, TooManyParameters, ConnectionError):
        raise
    except Exception as exc:  # noqa: BLE001 - aiohttp raises ValueError, KeyError, AssertionError, ...
        # No boundary, a cut-off body, a broken part header or transfer encoding.
        raise MalformedBody(f"unreadable multipart body: {exc}") from None
    return pairs


async def read_params(request: web.Request) -> Params:
    """Raises MalformedBody, TooManyParameters or web.HTTPRequestEntityTooLarge."""
    pairs: list[tuple[str, str]] = []
    content_type = request.content_type.lower()
    if content_type.startswith("multipart/"):
        pairs.extend(await _multipart_pairs(request))
    elif request.body_exists:
        body = await request.read()
        text = body.decode("utf-8", errors="replace").strip()
        if text:
            if content_type == "application/json" or text[0] in "{[":
                pairs.extend(_json_or_query(text))
            else:
                pairs.extend(parse_query(text))
    pairs.extend(parse_query(request.rel_url.raw_query_string))
    return Params(pairs)
