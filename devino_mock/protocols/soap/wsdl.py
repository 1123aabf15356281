"""The served WSDL: spyne's document reshaped with lxml into what an ASP.NET `.asmx` service
publishes (soap.md §10.2, Appendix A/B).

spyne writes one binding and one port per application, `soapAction="<Operation>"`, message
parts named after their elements, named wrapper types and `minOccurs="0" nillable="true"`
everywhere. ASMX writes: anonymous wrapper types; value elements (int, decimal, dateTime,
boolean, enumerations) `minOccurs="1"`; messages `{Op}SoapIn`/`{Op}SoapOut` with a `parameters` part;
portType `{Svc}Soap`; a SOAP 1.1 binding `{Svc}Soap` and a SOAP 1.2 binding `{Svc}Soap12`
with `soapAction="http://ws.devinosms.com/{Op}"`; one service with the 1.1 port first. The
types and the operations come from spyne; only their spelling changes here."""

from __future__ import annotations

from xml.sax.saxutils import escape

from lxml import etree

WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
WSDL_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
XS = "http://www.w3.org/2001/XMLSchema"
SOAP_HTTP = "http://schemas.xmlsoap.org/soap/http"
LOCATION = "__DEVINO_MOCK_LOCATION__"

ASMX_NSMAP = {
    "soap": WSDL_SOAP11,
    "tm": "http://microsoft.com/wsdl/mime/textMatching/",
    "soapenc": "http://schemas.xmlsoap.org/soap/encoding/",
    "mime": "http://schemas.xmlsoap.org/wsdl/mime/",
    "s": XS,
    "soap12": WSDL_SOAP12,
    "http": "http://schemas.xmlsoap.org/wsdl/http/",
    "wsdl": WSDL,
}
VALUE_TYPES = frozenset({"int", "long", "short", "decimal", "double", "float", "boolean", "dateTime"})
# Value elements that may be null: unset dates and price (soap.md §10.2 item 6).
NILLABLE = frozenset({"DelayUntilUtc", "CreationDateUtc", "SubmittedDateUtc", "ReportedDateUtc", "Price"})
# Value elements documented as optional ("Обязательность: Нет"), by name or `Type.name`. PHP
# SoapClient refuses to encode an object that lacks a required element (clients.md §5.4 item
# 4). The Viber message's Validity stays required, as documented (soap.md §10.5 #18).
OPTIONAL_VALUES = frozenset({"validity", "SmsMessage.Validity", "SmsMessage.ReceiptRequested"})


def _w(tag: str) -> str:
    return f"{{{WSDL}}}{tag}"


def _s(tag: str) -> str:
    return f"{{{XS}}}{tag}"


def _local(qname: str) -> str:
    return qname.split(":", 1)[-1]


class _SpyneDocument:
    """What the reshaping needs from spyne's WSDL."""

    def __init__(self, document: bytes) -> None:
        root = etree.fromstring(document)
        self.tns = root.get("targetNamespace")
        schema = root.find(f"{_w('types')}/{_s('schema')}")
        self.types = {t.get("name"): t for t in schema.findall(_s("complexType"))}
        # name -> enumeration values of the string enumerations (.NET enums: value types)
        self.enums = {t.get("name"): [e.get("value") for e in t.iter(_s("enumeration"))]
                      for t in schema.findall(_s("simpleType"))}
        parts = {m.get("name"): m.find(_w("part")).get("element") for m in root.findall(_w("message"))}
        self.operations: list[tuple[str, str, str]] = []  # (operation, request element, response element)
        for operation in root.find(_w("portType")).findall(_w("operation")):
            request = _local(parts[_local(operation.find(_w("input")).get("message"))])
            response = _local(parts[_local(operation.find(_w("output")).get("message"))])
            self.operations.append((operation.get("name"), request, response))

    @staticmethod
    def type_of(element: etree._Element) -> tuple[str, str]:
        """(namespace, local name) of an element's `type` attribute."""
        prefix, _, local = element.get("type").rpartition(":")
        return element.nsmap.get(prefix or None, ""), local


def _sequence(spyne: _SpyneDocument, owner: str, complex_type: etree._Element) -> None:
    spyne_type = spyne.types.get(owner)
    source = spyne_type.find(_s("sequence")) if spyne_type is not None else None
    if source is None:
        return
    sequence = etree.SubElement(complex_type, _s("sequence"))
    for child in source.findall(_s("element")):
        name = child.get("name")
        namespace, type_name = _SpyneDocument.type_of(child)
        value_type = type_name in VALUE_TYPES if namespace == XS else type_name in spyne.enums
        if child.get("maxOccurs") == "unbounded":
            occurs, nillable = ("0", "unbounded"), True
        elif value_type:
            optional = name in OPTIONAL_VALUES or f"{owner}.{name}" in OPTIONAL_VALUES
            occurs, nillable = ("0" if optional else "1", "1"), name in NILLABLE
        else:
            occurs, nillable = ("0", "1"), False
        element = etree.SubElement(sequence, _s("element"))
        element.set("minOccurs", occurs[0])
        element.set("maxOccurs", occurs[1])
        element.set("name", name)
        if nillable:
            element.set("nillable", "true")
        element.set("type", f"{'s' if namespace == XS else 'tns'}:{type_name}")


def _enumeration(schema: etree._Element, name: str, values: list[str]) -> None:
    # Rebuilt rather than copied: `base` is a QName in an attribute value, and the copy
    # would name spyne's `xs` prefix, which this document does not declare.
    restriction = etree.SubElement(etree.SubElement(schema, _s("simpleType"), name=name), _s("restriction"),
                                   base="s:string")
    for value in values:
        etree.SubElement(restriction, _s("enumeration"), value=value)


def _schema(spyne: _SpyneDocument, types: etree._Element) -> None:
    schema = etree.SubElement(types, _s("schema"), elementFormDefault="qualified", targetNamespace=spyne.tns)
    wrappers = {name for _, request, response in spyne.operations for name in (request, response)}
    for name in spyne.types:
        if name not in wrappers:
            _sequence(spyne, name, etree.SubElement(schema, _s("complexType"), name=name))
    for name, values in spyne.enums.items():
        _enumeration(schema, name, values)
    for _, request, response in spyne.operations:
        for name in (request, response):
            element = etree.SubElement(schema, _s("element"), name=name)
            _sequence(spyne, name, etree.SubElement(element, _s("complexType")))


def _binding(parent: etree._Element, spyne: _SpyneDocument, service: str, suffix: str, soap_ns: str) -> None:
    binding = etree.SubElement(parent, _w("binding"), name=f"{service}{suffix}", type=f"tns:{service}Soap")
    etree.SubElement(binding, f"{{{soap_ns}}}binding", transport=SOAP_HTTP)
    for name, _, _ in spyne.operations:
        operation = etree.SubElement(binding, _w("operation"), name=name)
        etree.SubElement(operation, f"{{{soap_ns}}}operation", soapAction=f"{spyne.tns}/{name}", style="document")
        for direction in ("input", "output"):
            etree.SubElement(etree.SubElement(operation, _w(direction)), f"{{{soap_ns}}}body", use="literal")


def asmx_template(spyne_document: bytes, service: str) -> bytes:
    """The WSDL with `LOCATION` where the endpoint address goes (see `with_location`)."""
    spyne = _SpyneDocument(spyne_document)
    root = etree.Element(_w("definitions"), nsmap={**ASMX_NSMAP, "tns": spyne.tns}, targetNamespace=spyne.tns)
    _schema(spyne, etree.SubElement(root, _w("types")))
    for name, request, response in spyne.operations:
        for suffix, element in (("SoapIn", request), ("SoapOut", response)):
            message = etree.SubElement(root, _w("message"), name=f"{name}{suffix}")
            etree.SubElement(message, _w("part"), name="parameters", element=f"tns:{element}")
    port_type = etree.SubElement(root, _w("portType"), name=f"{service}Soap")
    for name, _, _ in spyne.operations:
        operation = etree.SubElement(port_type, _w("operation"), name=name)
        etree.SubElement(operation, _w("input"), message=f"tns:{name}SoapIn")
        etree.SubElement(operation, _w("output"), message=f"tns:{name}SoapOut")
    _binding(root, spyne, service, "Soap", WSDL_SOAP11)
    _binding(root, spyne, service, "Soap12", WSDL_SOAP12)
    wsdl_service = etree.SubElement(root, _w("service"), name=service)
    for suffix, soap_ns in (("Soap", WSDL_SOAP11), ("Soap12", WSDL_SOAP12)):
        port = etree.SubElement(wsdl_service, _w("port"), name=f"{service}{suffix}", binding=f"tns:{service}{suffix}")
        etree.SubElement(port, f"{{{soap_ns}}}address", location=LOCATION)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + etree.tostring(root, encoding="utf-8")


def with_location(template: bytes, location: str) -> bytes:
    return template.replace(LOCATION.encode(), escape(location, {'"': "&quot;"}).encode("utf-8"))
