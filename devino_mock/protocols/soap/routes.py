"""The `.asmx` endpoints on the HTTP port: `GET ?WSDL` (any case), POST of SOAP 1.1
(`text/xml`) or SOAP 1.2 (`application/soap+xml`) on the same URL, answered in the version
of the request's envelope. Dispatch is on the Body's element; SOAPAction is never required."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from aiohttp import web
from lxml import etree
from spyne.interface.wsdl import Wsdl11

from devino_mock.core.platform import Platform
from devino_mock.protocols.soap.envelope import (
    SOAP11,
    SOAP11_ENV,
    VERSIONS,
    UnreadableRequest,
    parse,
    version_from_content_type,
)
from devino_mock.protocols.soap.errors import INVALID_ARGUMENT, PROCESS_PREFIX, READ_PREFIX
from devino_mock.protocols.soap.models import NS
from devino_mock.protocols.soap.normalize import DateOutOfRangeValue, InvalidValue, Operation, canonical_request, find_operation
from devino_mock.protocols.soap.operations import Call
from devino_mock.protocols.soap.pipeline import Answer, SoapEndpoint, build_application, fault_answer
from devino_mock.protocols.soap.services import SmsServiceV1, SmsServiceV2, ViberServiceV1, ViberServiceV2
from devino_mock.protocols.soap.wsdl import asmx_template, with_location
from devino_mock.web import Router, body_of

MAX_BODY = 4 * 1024 * 1024  # 1000 recipients and 2000 characters fit many times over
_HOST = re.compile(r"^(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
_ACTION_PARAM = re.compile(r";\s*action\s*=\s*\"?([^\";]*)\"?", re.IGNORECASE)


@dataclass(frozen=True)
class ServiceSpec:
    path: str
    name: str
    service_class: type
    transport: str  # how messages sent here are recorded (control API `transport`)


SERVICES = (
    ServiceSpec("/SmsService.asmx", "SmsService", SmsServiceV1, "soap"),
    ServiceSpec("/SmsServicev2.asmx", "SmsServicev2", SmsServiceV2, "soap_v2"),
    ServiceSpec("/ViberService.asmx", "ViberService", ViberServiceV1, "soap"),
    ServiceSpec("/ViberServiceV2.asmx", "ViberServiceV2", ViberServiceV2, "soap_v2"),
)


class BodyTooLarge(Exception):
    pass


async def read_body(request: web.Request, limit: int = MAX_BODY) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge()
    body = await body_of(request, limit)
    if len(body) > limit:
        raise BodyTooLarge()
    return body


def soap_action(request: web.Request) -> str:
    """SOAPAction (1.1) or Content-Type's action parameter (1.2), unquoted; '' when absent."""
    action = request.headers.get("SOAPAction", "").strip().strip('"')
    if not action:
        match = _ACTION_PARAM.search(request.headers.get("Content-Type", ""))
        action = match.group(1).strip() if match else ""
    return "".join(ch for ch in action if ch.isprintable())


def unknown_operation_text(request: web.Request) -> str:
    """ASP.NET's words when it cannot tell which operation is meant."""
    action = soap_action(request)
    if action:
        return f"Server did not recognize the value of HTTP Header SOAPAction: {action}."
    return "Unable to handle request without a valid action parameter. Please supply a valid soap action."


def location_of(request: web.Request, path: str) -> str:
    """The endpoint as this client reached it: its scheme and Host header."""
    host = request.headers.get("Host", "")
    if not _HOST.match(host):
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        host = f"{sockname[0]}:{sockname[1]}" if sockname else "localhost"
    scheme = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip().lower()
    return f"{'https' if scheme == 'https' else 'http'}://{host}{path}"


def renamer(renames: dict[str, str]):
    """Rename elements in a serialised document: `<Old`, `</Old` become `<New`, `</New`, and in a
    WSDL `name="Old"`. Text content is escaped (`&lt;`), so only tags and declarations match."""
    if not renames:
        return lambda document: document
    pattern = re.compile(rb'(</?(?:\w+:)?|name=")(' + b"|".join(re.escape(o.encode()) for o in renames) + rb')(?=[\s/>"])')
    table = {old.encode(): new.encode() for old, new in renames.items()}
    return lambda document: pattern.sub(lambda m: m.group(1) + table[m.group(2)], document)


class AsmxService:
    """One `.asmx` service: a spyne pipeline per SOAP version, its operations and WSDL."""

    def __init__(self, spec: ServiceSpec, platform: Platform, renames: dict[str, str] | None = None) -> None:
        self.spec = spec
        self.rename = renamer(renames or {})
        self.call = Call(platform, spec.transport)
        self.endpoints = {
            version: SoapEndpoint(build_application(spec.service_class, spec.name, NS, version), version)
            for version in VERSIONS.values()
        }
        self.operations: dict[str, Operation] = {}
        app = next(iter(self.endpoints.values())).app
        for descriptors in app.interface.service_method_map.values():
            descriptor = descriptors[0]
            operation = Operation(descriptor.name, NS, descriptor.in_message)
            self.operations[operation.name] = self.operations[operation.name.lower()] = operation
        self._wsdl_template: bytes | None = None

    def wsdl(self, location: str) -> bytes:
        if self._wsdl_template is None:
            document = Wsdl11(self.endpoints[SOAP11].app.interface)
            document.build_interface_document(location)
            self._wsdl_template = self.rename(asmx_template(document.get_interface_document(), self.spec.name))
        return with_location(self._wsdl_template, location)

    def answer(self, request: web.Request, body: bytes) -> Answer:
        hinted = version_from_content_type(request.headers.get("Content-Type", ""))
        try:
            envelope = parse(body)
        except UnreadableRequest as exc:
            return fault_answer(hinted, "Client", READ_PREFIX + str(exc))
        qname = etree.QName(envelope)
        version = VERSIONS.get(qname.namespace or "")
        if version is None or qname.localname != "Envelope":
            return fault_answer(hinted, "VersionMismatch",
                                f"Possible SOAP version mismatch: Envelope namespace {qname.namespace or ''} "
                                f"was unexpected. Expecting {SOAP11_ENV}.")
        body_element = envelope.find(f"{{{version.envelope_ns}}}Body")
        first = next((c for c in body_element if isinstance(c.tag, str)), None) if body_element is not None else None
        operation = find_operation(first, self.operations) if first is not None else None
        if operation is None:
            return fault_answer(version, "Client", unknown_operation_text(request))
        try:
            body_element.replace(first, canonical_request(first, operation))
        except DateOutOfRangeValue:
            return fault_answer(version, "Server", PROCESS_PREFIX + INVALID_ARGUMENT)
        except InvalidValue as exc:
            return fault_answer(version, "Client", READ_PREFIX + str(exc))
        return self.endpoints[version].answer(request, envelope, self.call)

    def help_page(self, location: str) -> str:
        names = sorted({op.name for op in self.operations.values()})
        items = "".join(f"<li>{html.escape(name)}</li>" for name in names)
        return (f"<html><head><title>{self.spec.name} Web Service</title></head><body>"
                f"<h1>{self.spec.name}</h1><p>Operations:</p><ul>{items}</ul>"
                f'<p><a href="{html.escape(location)}?WSDL">Service Description</a></p></body></html>')


def _wants_wsdl(request: web.Request) -> bool:
    return any(key.lower() == "wsdl" for key in request.query)


def make_handler(service: AsmxService):
    async def handle(request: web.Request) -> web.StreamResponse:
        if request.method in ("GET", "HEAD"):
            location = location_of(request, service.spec.path)
            if _wants_wsdl(request):
                return web.Response(body=service.wsdl(location), content_type="text/xml", charset="utf-8")
            return web.Response(text=service.help_page(location), content_type="text/html")
        if request.method != "POST":
            return web.Response(status=405, text="Method not allowed", headers={"Allow": "GET, HEAD, POST"})
        try:
            body = await read_body(request)
        except BodyTooLarge:
            version = version_from_content_type(request.headers.get("Content-Type", ""))
            answer = fault_answer(version, "Client", READ_PREFIX + "Maximum request length exceeded.")
        else:
            answer = service.answer(request, body)
        return web.Response(body=service.rename(answer.body), status=answer.status,
                            headers={"Content-Type": answer.version.content_type, "Cache-Control": "private"})

    return handle


def register(router: Router, platform: Platform) -> None:
    for spec in SERVICES:
        router.add(spec.path, make_handler(AsmxService(spec, platform)), surface=spec.transport)

