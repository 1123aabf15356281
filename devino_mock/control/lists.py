"""What every list call of the control API shares (mock-interface.md §11, §18): filters checked
by name, text search `q`, `limit` and `offset`, and `wait`/`count` to hold the answer until
enough items match. A held call sleeps until something changes (an event, a request, a sink
hit) and looks again; it never spins."""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass
from typing import Callable, Iterable

from aiohttp import web

from devino_mock.control.table import Call, ControlError, json_response

PAGING = ("q", "limit", "offset", "wait", "count")
MAX_WAIT = 60.0
MAX_LIMIT = 100_000
RECHECK = 1.0  # seconds: a held call also looks again this often, for changes no event reports


@dataclass(frozen=True)
class ListQuery:
    filters: dict[str, str]
    q: str | None
    limit: int | None
    offset: int
    wait: float
    count: int


def _whole(call: Call, name: str, low: int, high: int, default: int | None) -> int | None:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ControlError(f"'{name}' must be a whole number from {low} to {high}") from None
    if not low <= value <= high:
        raise ControlError(f"'{name}' must be a whole number from {low} to {high}")
    return value


def parse(call: Call, filters: Iterable[str]) -> ListQuery:
    filters = tuple(filters)
    unknown = sorted(k for k in call.query if k not in filters and k not in PAGING)
    if unknown:
        raise ControlError(f"unknown filter {unknown[0]!r}: valid are {sorted([*filters, *PAGING])}")
    wait_raw = call.query.get("wait")
    wait = 0.0
    if wait_raw:
        try:
            wait = float(wait_raw)
        except ValueError:
            wait = -1.0
        if not math.isfinite(wait) or not 0 <= wait <= MAX_WAIT:
            raise ControlError(f"'wait' must be seconds from 0 to {MAX_WAIT:.0f}")
    return ListQuery(
        filters={k: v for k, v in call.query.items() if k in filters and v != ""},
        q=call.query.get("q") or None,
        limit=_whole(call, "limit", 0, MAX_LIMIT, None),
        offset=_whole(call, "offset", 0, 10**9, 0) or 0,
        wait=wait,
        count=_whole(call, "count", 1, MAX_LIMIT, 1) or 1,
    )


def one_of(name: str, value: str | None, valid: Iterable[str]) -> None:
    valid = list(valid)
    if value is not None and value not in valid:
        raise ControlError(f"unknown {name} {value!r}: one of {valid}")


def searched(views: list[dict], q: str | None) -> list[dict]:
    if not q:
        return views
    wanted = q.casefold()
    return [v for v in views if wanted in json.dumps(v, ensure_ascii=False).casefold()]


async def answer(query: ListQuery, views: Callable[[], list[dict]], changes) -> web.Response:
    """The page of matching items; with `wait`, held until `count` items match (408 when time
    runs out, with the items that did)."""

    def select() -> list[dict]:
        return searched(views(), query.q)

    matched = select()
    if query.wait and len(matched) < query.count:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + query.wait
        while len(matched) < query.count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return json_response({"error": f"{len(matched)} of {query.count} items matched within "
                                               f"{query.wait:g} s", "items": page(matched, query)}, status=408)
            await changes.wait(min(remaining, RECHECK))
            matched = select()
    return json_response(page(matched, query))


def page(items: list[dict], query: ListQuery) -> list[dict]:
    end = None if query.limit is None else query.offset + query.limit
    return items[query.offset:end]
