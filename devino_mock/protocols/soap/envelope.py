"""SOAP envelopes on the wire: a safe parser for requests and the ASMX-style writer for
answers (soap.md §1.3, §2.2).

Parsing never loads a DTD, resolves an entity or touches the network, and a request with a
DOCTYPE is refused outright (SOAP forbids DTDs; ASP.NET refuses them "for security reasons"),
so neither external entities nor entity bombs can do anything.

Answers look like ASP.NET's: `soap` prefix, `xsi`/`xsd` declared on the envelope, the
operation's response element in the default namespace, no `soap:Header`, no whitespace
between elements (hand-written clients index into `xml_parse_into_struct` results)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'


@dataclass(frozen=True, eq=False)  # two singletons, compared by identity
class SoapVersion:
    name: str
    envelope_ns: str
    content_type: str
    codes: dict[str, str]  # fault code family (Client, Server, VersionMismatch) -> this version's code


SOAP11 = SoapVersion("1.1", SOAP11_ENV, "text/xml; charset=utf-8",
                     {"Client": "Client", "Server": "Server", "VersionMismatch": "VersionMismatch"})
SOAP12 = SoapVersion("1.2", SOAP12_ENV, "application/soap+xml; charset=utf-8",
                     {"Client": "Sender", "Server": "Receiver", "VersionMismatch": "VersionMismatch"})
VERSIONS = {v.envelope_ns: v for v in (SOAP11, SOAP12)}


class UnreadableRequest(Exception):
    """The body is not XML the emulator will read; `str()` is the fault text."""


def version_from_content_type(content_type: str) -> SoapVersion:
    return SOAP12 if content_type.strip().lower().startswith("application/soap+xml") else SOAP11


# libxml2 reports a namespace name that is not a valid URI as an error; .NET does not check
# them, and a public PHP client breaks its `xmlns:xsd` value across two lines.
TOLERATED = frozenset({"WAR_NS_URI", "WAR_NS_URI_RELATIVE"})


def _parser() -> etree.XMLParser:
    # recover=True only so that TOLERATED reports do not abort the parse; every other report
    # still rejects the document (see parse()).
    return etree.XMLParser(
        recover=True,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse(body: bytes) -> etree._Element:
    """The request's root element. Raises UnreadableRequest for anything that is not
    well-formed XML without a DTD."""
    # A BOM or a newline before `<?xml` is a common hand-written mistake; ASP.NET's reader
    # tolerates the BOM, and nothing is lost by tolerating whitespace too.
    text = body.lstrip(b"\xef\xbb\xbf").lstrip()
    if not text:
        raise UnreadableRequest("Root element is missing.")
    parser = _parser()
    try:
        root = etree.fromstring(text, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (1, 1)
        raise UnreadableRequest(f"There is an error in XML document ({line}, {column}).") from None
    if root is not None:
        info = root.getroottree().docinfo
        if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
            raise UnreadableRequest("For security reasons DTD is prohibited in this XML document.")
    problems = [entry for entry in parser.error_log if entry.type_name not in TOLERATED]
    if root is None or problems:
        line, column = (problems[0].line, problems[0].column) if problems else (1, 1)
        raise UnreadableRequest(f"There is an error in XML document ({line}, {column}).")
    return root


def _envelope(version: SoapVersion) -> tuple[etree._Element, etree._Element]:
    ns = version.envelope_ns
    envelope = etree.Element(f"{{{ns}}}Envelope", nsmap={"soap": ns, "xsi": XSI, "xsd": XSD})
    return envelope, etree.SubElement(envelope, f"{{{ns}}}Body")


def _serialise(envelope: etree._Element) -> bytes:
    return XML_DECLARATION + etree.tostring(envelope, encoding="utf-8")


def _copy_into(parent: etree._Element, source: etree._Element, nsmap: dict | None = None) -> None:
    element = etree.SubElement(parent, source.tag, nsmap=nsmap)
    for name, value in source.attrib.items():
        element.set(name, value)
    element.text = source.text
    for child in source:
        _copy_into(element, child)


def render_response(version: SoapVersion, result: etree._Element) -> bytes:
    """The envelope around `result` (spyne's `{ns}XResponse` element), re-written with the
    response element's namespace as the default namespace, as ASP.NET writes it."""
    envelope, body = _envelope(version)
    namespace = etree.QName(result).namespace
    _copy_into(body, result, nsmap={None: namespace} if namespace else None)
    return _serialise(envelope)


def render_fault(version: SoapVersion, family: str, text: str) -> bytes:
    """`family` is the fault code family: Client, Server or VersionMismatch."""
    ns = version.envelope_ns
    envelope, body = _envelope(version)
    fault = etree.SubElement(body, f"{{{ns}}}Fault")
    code = "soap:" + version.codes.get(family, version.codes["Server"])
    if version is SOAP11:
        etree.SubElement(fault, "faultcode").text = code
        etree.SubElement(fault, "faultstring").text = text
        etree.SubElement(fault, "detail")
    else:
        etree.SubElement(etree.SubElement(fault, f"{{{ns}}}Code"), f"{{{ns}}}Value").text = code
        reason = etree.SubElement(etree.SubElement(fault, f"{{{ns}}}Reason"), f"{{{ns}}}Text")
        reason.set(f"{{{XML_NS}}}lang", "en")
        reason.text = text
        etree.SubElement(fault, f"{{{ns}}}Detail")
    return _serialise(envelope)
