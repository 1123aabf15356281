"""XML API Send.ashx / Statistics.ashx. Not built yet: registers no routes."""

from __future__ import annotations


def register(router, platform) -> None:
    return None
