"""SOAP `SmsService.asmx` and `ViberService.asmx` (SessionID), `SmsServicev2.asmx` and
`ViberServiceV2.asmx` (login/password), soap.md.

spyne runs inside the aiohttp event loop: an aiohttp handler drives spyne's HTTP pipeline
directly (pipeline.py). spyne is imported, and the services built, on the first request to
either path, not at start-up: its import is most of the emulator's start-up time, and most
users of the emulator never call SOAP. spyne_compat (which makes spyne importable) runs
first, as routes.py imports it before spyne."""

from __future__ import annotations

import warnings

# The paths routes.SERVICES serves; a test checks the two agree.
PATHS = ("/SmsService.asmx", "/SmsServicev2.asmx", "/ViberService.asmx", "/ViberServiceV2.asmx")


def spellings(settings) -> dict[str, str]:
    """Element names the documentation spells two ways (soap.md §11 items 7 and 8): the
    emulator writes the tables' spelling unless told to write the other one, in the WSDL and in
    every answer alike (never both: zeep refuses an element its WSDL does not declare)."""
    renames = {}
    if getattr(settings, "soap_stats_inprogress", False):
        renames["InProcess"] = "InProgress"
    if getattr(settings, "soap_incoming_createdateutc", False):
        renames["CreatedDateUtc"] = "CreateDateUtc"
    return renames


def register(router, platform, settings=None) -> None:
    handlers: dict[str, object] = {}
    renames = spellings(settings)

    def build() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # spyne's own, at import
            from devino_mock.protocols.soap import spyne_compat  # noqa: F401
            from devino_mock.protocols.soap.routes import SERVICES, AsmxService, make_handler
        for spec in SERVICES:
            handlers[spec.path.lower()] = make_handler(AsmxService(spec, platform, renames))

    def lazy(path: str):
        async def handle(request):
            if not handlers:
                build()
            return await handlers[path.lower()](request)

        return handle

    for path in PATHS:
        # The v2 services are their own surface for faults and the journal (transport soap_v2).
        router.add(path, lazy(path), surface="soap_v2" if path.lower().endswith("v2.asmx") else None)


__all__ = ["PATHS", "register"]
