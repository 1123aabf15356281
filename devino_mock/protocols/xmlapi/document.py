"""Reading request documents safely and writing response documents (xml-api.md §2-§4).

Requests: lxml never resolves entities, never touches the network, and a document with a
DTD is refused before libxml2 sees it (libxml2 expands internal entities in attribute values
even with resolve_entities=False, so an entity bomb must not reach it). Element and attribute
names match case-insensitively (§5.9 X13)."""

from __future__ import annotations

import re

from lxml import etree

DECLARATION = '<?xml version="1.0" encoding="utf-8" ?>'
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class NotADocument(Exception):
    """The body is no acceptable request document (answered with ERR_FORMAT)."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def parse(body: bytes) -> etree._Element:
    """The root element of a request. The documented encoding is UTF-8 (§1); any
    ASCII-compatible encoding named in the XML declaration is honoured too."""
    if not body.strip():
        raise NotADocument("empty body")
    if b"\x00" in body:
        raise NotADocument("not an ASCII-compatible encoding")
    if _DTD.search(body):
        raise NotADocument("a DTD or entity declaration")
    try:
        root = etree.fromstring(body, _parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise NotADocument(str(exc)) from None
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.doctype:
        raise NotADocument("a DTD")
    if name(root) != "package":
        raise NotADocument(f"root element {name(root)!r} is not 'package'")
    return root


def name(element: etree._Element) -> str:
    return etree.QName(element).localname.lower() if isinstance(element.tag, str) else ""


def children(element: etree._Element, wanted: str | None = None) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and (wanted is None or name(c) == wanted)]


def attributes(element: etree._Element, wanted: frozenset[str]) -> dict[str, str]:
    """The `wanted` attributes (lower-case names) that are present: names matched without
    namespace and case, the first of a repeated name wins. Only wanted values are read:
    lxml finds a value by a linear search of the element's attributes, so reading every value
    of an element with n attributes costs n² (50,000 attributes froze the loop for 11 s)."""
    out: dict[str, str] = {}
    for key in element.keys():  # names only: linear
        local = etree.QName(key).localname.lower()
        if local in wanted and local not in out:
            out[local] = element.get(key)
    return out


def text_of(element: etree._Element) -> str:
    return "".join(element.itertext())


def render(sections: list[tuple[str, list[tuple[dict[str, str], str]]]]) -> bytes:
    """`<package>` with one element per answered section, each holding `<msg attrs>code</msg>`."""
    root = etree.Element("package")
    root.text = ""  # `<package></package>` rather than `<package/>` when nothing was asked
    for section, items in sections:
        holder = etree.SubElement(root, section)
        for attrs, code in items:
            etree.SubElement(holder, "msg", attrs).text = code
    return _finish(root)


def render_error(code: int) -> bytes:
    root = etree.Element("package")
    etree.SubElement(root, "error").text = str(code)
    return _finish(root)


def _finish(root: etree._Element) -> bytes:
    # The examples' exact declaration (single spaces, `?>` after a blank), which lxml does not write.
    return (DECLARATION + "\n" + etree.tostring(root, encoding="unicode")).encode("utf-8")
