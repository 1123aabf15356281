"""Viber HTTP API routes (placeholder wiring while the core lands)."""

from __future__ import annotations


def register(router, platform) -> None:
    return None
