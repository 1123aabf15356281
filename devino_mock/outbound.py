"""The outbox's HTTP transport: one aiohttp client session makes every callback request."""

from __future__ import annotations

import asyncio

import aiohttp

from devino_mock.core.callbacks import Delivery
from devino_mock.core.records import Callback

MAX_ANSWER = 64 * 1024  # read at most this much of a client's answer (kept for the kind's hook)


class HttpSender:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def __call__(self, callback: Callback, timeout: float) -> Delivery:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=256, ttl_dns_cache=300),
                timeout=aiohttp.ClientTimeout(total=timeout),
            )
        # A GET push carries its parameters in the URL (incoming.md §4): no body then.
        data = callback.body.encode("utf-8") if callback.body or callback.method != "GET" else None
        try:
            async with self._session.request(
                callback.method, callback.url, data=data, timeout=aiohttp.ClientTimeout(total=timeout),
                headers={"Content-Type": callback.content_type}, allow_redirects=False,
            ) as response:
                answer = await response.content.read(MAX_ANSWER)
                return Delivery(response.status, None, answer.decode(response.charset or "utf-8", "replace"))
        except asyncio.TimeoutError:
            return Delivery(None, f"no answer within {timeout:g} s", timed_out=True)
        except aiohttp.ClientError as exc:
            return Delivery(None, f"{type(exc).__name__}: {exc}")
        except (ValueError, LookupError) as exc:  # a URL aiohttp cannot use, an unknown charset
            return Delivery(None, f"bad URL or answer: {exc}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
