"""SOAP SmsService.asmx / SmsServicev2.asmx. Not built yet: registers no routes."""

from __future__ import annotations


def register(router, platform) -> None:
    return None
