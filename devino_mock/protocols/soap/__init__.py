"""SOAP `SmsService.asmx` and `ViberService.asmx` (SessionID), `SmsServicev2.asmx` and
`ViberServiceV2.asmx` (login/password), soap.md.

spyne runs inside the aiohttp event loop: an aiohttp handler drives spyne's HTTP pipeline
directly (pipeline.py). The shim below must run before anything imports spyne."""

from devino_mock.protocols.soap import spyne_compat  # noqa: F401  (first: makes spyne importable)
from devino_mock.protocols.soap.routes import register  # noqa: E402

__all__ = ["register"]
