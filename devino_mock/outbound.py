"""The outbox's HTTP transport: one aiohttp client session makes every callback request."""

from __future__ import annotations

import asyncio

import aiohttp

from devino_mock.core.records import Callback

MAX_ANSWER = 64 * 1024  # read (and drop) at most this much of a client's answer


class HttpSender:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def __call__(self, callback: Callback, timeout: float) -> tuple[int | None, str | None]:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=256, ttl_dns_cache=300),
                timeout=aiohttp.ClientTimeout(total=timeout),
            )
        try:
            async with self._session.request(
                callback.method, callback.url, data=callback.body.encode("utf-8"),
                headers={"Content-Type": callback.content_type}, allow_redirects=False,
            ) as response:
                await response.content.read(MAX_ANSWER)
                return response.status, None
        except asyncio.TimeoutError:
            return None, f"no answer within {timeout:g} s"
        except aiohttp.ClientError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        except ValueError as exc:  # a URL aiohttp cannot use
            return None, f"bad URL: {exc}"

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
