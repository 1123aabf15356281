"""spyne inside the aiohttp event loop, without WSGI: an `HttpBase` subclass whose method
contexts wrap the aiohttp request, driven through spyne's own pipeline (generate_contexts ->
get_in_object -> get_out_object -> get_out_string) straight from the aiohttp handler
(dependencies.md §2, approach A). One pipeline per service and SOAP version.

The envelope reaches spyne already parsed safely and normalised (envelope.py,
normalize.py): the protocols below take that tree instead of parsing bytes, and write the
answer in ASP.NET's shape. Faults are rendered here, not by spyne (spyne 2.14 crashes
rendering SOAP 1.2 schema-validation faults, and does not write ASP.NET's fault shape)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web
from lxml import etree
from spyne import Application, Fault
from spyne.protocol.soap import Soap11, Soap12
from spyne.server.http import HttpBase, HttpMethodContext, HttpTransportContext

from devino_mock.core.errors import PlatformError
from devino_mock.protocols.soap.envelope import SOAP11, SOAP12, SoapVersion, render_fault, render_response
from devino_mock.protocols.soap.errors import INTERNAL, PROCESS_PREFIX, READ_PREFIX, AsmxFault, server_fault, text_of
from devino_mock.protocols.soap.operations import Call

log = logging.getLogger("devino_mock.soap")


class _ExpectedFaults(logging.Filter):
    """spyne logs every fault a service raises with a traceback; ours are answers, not bugs."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else record.msg
        return not isinstance(exc, AsmxFault)


for _name in ("spyne.application", "spyne.application.client"):
    logging.getLogger(_name).addFilter(_ExpectedFaults())


@dataclass
class Answer:
    status: int
    version: SoapVersion
    body: bytes


def fault_answer(version: SoapVersion, family: str, text: str) -> Answer:
    return Answer(500, version, render_fault(version, family, text))


class AiohttpTransportContext(HttpTransportContext):
    """What spyne may ask about the HTTP request, answered from the aiohttp request."""

    def __init__(self, parent, transport, request: web.Request, content_type: str) -> None:
        super().__init__(parent, transport, request, content_type)
        self.envelope: etree._Element | None = None  # the parsed, normalised request

    def get_request_method(self) -> str:
        return self.req.method

    def get_request_content_type(self) -> str:
        return self.req.headers.get("Content-Type", "")

    def get_path(self) -> str:
        return self.req.path

    def get_path_and_qs(self) -> str:
        return self.req.path_qs

    def get_url(self) -> str:
        return str(self.req.url)

    def get_cookie(self, key: str) -> str | None:
        return self.req.cookies.get(key)

    def get_peer(self):
        return self.req.remote


class AiohttpMethodContext(HttpMethodContext):
    HttpTransportContext = AiohttpTransportContext


class _AsmxProtocol:
    """Reads the tree the transport context carries; writes ASP.NET's envelope."""

    soap_version: SoapVersion

    def create_in_document(self, ctx, charset=None) -> None:
        ctx.in_document = (ctx.transport.envelope, {})

    def create_out_string(self, ctx, charset=None) -> None:
        ctx.out_string = [render_response(self.soap_version, ctx.out_body_doc[0])]


class AsmxSoap11(_AsmxProtocol, Soap11):
    soap_version = SOAP11


class AsmxSoap12(_AsmxProtocol, Soap12):
    soap_version = SOAP12


class AsmxApplication(Application):
    def call_wrapper(self, ctx):
        """Domain errors become the documented faults, in one place for every operation."""
        try:
            return super().call_wrapper(ctx)
        except PlatformError as exc:
            raise server_fault(text_of(exc)) from None


def build_application(service_class: type, name: str, namespace: str, version: SoapVersion) -> AsmxApplication:
    protocol = AsmxSoap12 if version is SOAP12 else AsmxSoap11
    # Soft validation: spyne 2.14's lxml validator crashes on SOAP 1.2 (soap.md §10.3), and
    # normalize.py has already put the request in schema shape.
    return AsmxApplication([service_class], tns=namespace, name=name,
                           in_protocol=protocol(validator="soft"),
                           out_protocol=protocol(cleanup_namespaces=False))


def _fault_of(error: Exception, version: SoapVersion) -> Answer:
    if isinstance(error, AsmxFault):
        return fault_answer(version, error.faultcode.split(".")[0], error.faultstring)
    if str(getattr(error, "faultcode", "")).startswith("Client"):  # e.g. "abc" for an xs:int
        return fault_answer(version, "Client", READ_PREFIX + str(getattr(error, "faultstring", error)))
    log.error("SOAP operation failed: %r", error)
    return fault_answer(version, "Server", PROCESS_PREFIX + INTERNAL)


class SoapEndpoint(HttpBase):
    """One spyne application (one service, one SOAP version) served from aiohttp."""

    def __init__(self, app: AsmxApplication, version: SoapVersion) -> None:
        super().__init__(app)
        self.version = version

    def get_in_object(self, ctx) -> None:
        # As spyne's, minus the traceback it logs for every request a client got wrong.
        try:
            self.app.in_protocol.deserialize(ctx, message=self.app.in_protocol.REQUEST)
        except Fault as exc:
            ctx.in_object = None
            ctx.in_error = ctx.out_error = exc
        except (ValueError, TypeError, ArithmeticError) as exc:  # a value spyne's readers choke on
            ctx.in_object = None
            ctx.in_error = ctx.out_error = Fault("Client.ValidationError", str(exc))

    def answer(self, request: web.Request, envelope: etree._Element, call: Call) -> Answer:
        ctx = AiohttpMethodContext(self, request, self.app.out_protocol.mime_type)
        ctx.transport.envelope = envelope
        ctx.udc = call
        # The context is not close()d: besides closing MIME attachments (none here) that runs a
        # full gc.collect() up to once a second, a pause for every listener on the loop that
        # grows with the number of stored messages.
        try:
            p_ctx = self.generate_contexts(ctx)[0]
            if p_ctx.in_error is None:
                self.get_in_object(p_ctx)
            if p_ctx.in_error is not None:
                return _fault_of(p_ctx.in_error, self.version)
            self.get_out_object(p_ctx)
            if p_ctx.out_error is not None:
                return _fault_of(p_ctx.out_error, self.version)
            self.get_out_string(p_ctx)
            return Answer(200, self.version, b"".join(p_ctx.out_string))
        except Exception:  # a bug must reach the client as a SOAP fault, never as a traceback
            log.exception("SOAP request to %s failed", self.app.name)
            return fault_answer(self.version, "Server", PROCESS_PREFIX + INTERNAL)
