"""Letting go of a large container a slice per turn of the event loop: freeing a hundred
thousand records at once (a reset) holds every other request for tens of milliseconds."""

from __future__ import annotations

import asyncio
from collections import deque

SLICE = 5_000  # records freed per turn


def let_go(container: dict | list | deque) -> None:
    """Empty `container` (which nobody else uses any more) a slice per turn of the running
    loop; without a loop it is freed as the caller drops it."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return

    def some() -> None:
        if isinstance(container, dict):
            for _ in range(min(len(container), SLICE)):
                container.popitem()
        elif isinstance(container, deque):
            for _ in range(min(len(container), SLICE)):
                container.pop()
        else:
            del container[-SLICE:]
        if container:
            loop.call_soon(some)

    if container:
        loop.call_soon(some)
