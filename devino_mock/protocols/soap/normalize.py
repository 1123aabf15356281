"""Leniency for hand-written clients (soap.md §10.4): before spyne reads a request, the
operation element is rebuilt with the canonical names, namespace and order of the service's
spyne models.

* element names match case-insensitively (`Login`, `SessionID`/`sessionId`, `MessageId`), plus
  the documentation's other spellings (`DelayUnilUtc`, `startTime`/`endTime`, a singular
  `DestinationAddress` for the array, v2's `DestinationAddresses`/`Validity`);
* children may come in any order and without a namespace; unknown ones are dropped;
* an array may be written as text (`<DestinationAddresses>7903…</DestinationAddresses>`,
  separated by commas, semicolons or spaces);
* empty elements count as absent; dates may lack seconds or use a Cyrillic `Т`.

Only the operation element is touched; the envelope stays as the client sent it."""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from lxml import etree
from spyne import ComplexModelBase, DateTime, Unicode

from devino_mock.protocols.soap.envelope import XSI
from devino_mock.protocols.values import DateOutOfRange, parse_datetime

log = logging.getLogger("devino_mock.soap")

NIL = f"{{{XSI}}}nil"
ALIASES = {"delayunilutc": "delayuntilutc", "starttime": "startdatetime", "endtime": "enddatetime"}
_LIST_SEPARATORS = re.compile(r"[\s,;]+")
_CYRILLIC_TE = "\u0422"
DOTNET_MIN_VALUE = datetime(1, 1, 1)
_NONZERO_OFFSET = re.compile(r"[+-](?!00:?00$)\d{2}:?\d{2}$")


class InvalidValue(ValueError):
    """A value no reading makes sense of; `str()` is the fault text."""

    def __init__(self, raw: str) -> None:
        super().__init__(f"The value '{raw}' could not be validated.")


class DateOutOfRangeValue(InvalidValue):
    """A well-formed date outside the platform's range: a business "Invalid argument" fault."""


@dataclass(frozen=True)
class Operation:
    name: str
    namespace: str
    request: type  # spyne's wrapper model of the request element


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _elements(parent: etree._Element):
    return (child for child in parent if isinstance(child.tag, str))


def _text(element: etree._Element) -> str:
    if len(element) == 0:
        return element.text or ""
    return "".join(element.itertext())


@dataclass(frozen=True)
class _Field:
    name: str
    tag: str  # `{namespace}name`
    model: type
    kind: str  # complex, array, string, date or value
    repeated: bool


def _kind(model: type) -> str:
    if issubclass(model, ComplexModelBase):
        fields = list(model.get_flat_type_info(model).values())
        return "array" if len(fields) == 1 and fields[0].Attributes.max_occurs > 1 else "complex"
    if issubclass(model, Unicode):
        return "string"
    return "date" if issubclass(model, DateTime) else "value"


@functools.lru_cache(maxsize=None)
def _shape(model: type) -> tuple[tuple[_Field, ...], dict[str, int]]:
    """A model's fields in schema order, and lower-case name -> position."""
    namespace = model.get_namespace()
    fields = tuple(
        _Field(name, f"{{{namespace}}}{name}", field, _kind(field), field.Attributes.max_occurs > 1)
        for name, field in model.get_flat_type_info(model).items()
    )
    return fields, {field.name.lower(): index for index, field in enumerate(fields)}


def _position(name: str, lookup: dict[str, int]) -> int | None:
    key = ALIASES.get(name.lower(), name.lower())
    if key in lookup:
        return lookup[key]
    return lookup.get(key + "es")  # DestinationAddress -> DestinationAddresses


def _date_text(raw: str) -> str:
    try:
        value = parse_datetime(raw.replace(_CYRILLIC_TE, "T"))
    except DateOutOfRange as exc:
        # .NET clients write an unset DateTime as DateTime.MinValue: it stays "no date".
        if exc.value == DOTNET_MIN_VALUE and not _NONZERO_OFFSET.search(raw.strip()):
            return DOTNET_MIN_VALUE.isoformat()
        raise DateOutOfRangeValue(raw) from None
    if value is None:
        raise InvalidValue(raw)
    if value.utcoffset() is None:
        return value.isoformat()
    # Written in UTC: spyne mis-reads negative offsets with minutes (-03:30).
    return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat() + "Z"


def _rebuild(source: etree._Element, field: _Field) -> etree._Element | None:
    if source.get(NIL) in ("true", "1"):
        element = etree.Element(field.tag)
        element.set(NIL, "true")
        return element
    if field.kind == "complex":
        return _rebuild_complex(source, field.model, field.tag)
    if field.kind == "array":
        return _rebuild_array(source, field.model, field.tag)
    text = _text(source)
    if field.kind != "string":
        text = text.strip()
        if text and field.kind == "date":
            text = _date_text(text)
    if not text:
        return None
    element = etree.Element(field.tag)
    element.text = text
    return element


def _rebuild_array(source: etree._Element, model: type, tag: str) -> etree._Element | None:
    ((item,), _) = _shape(model)
    items = list(_elements(source))
    values = [_text(i).strip() for i in items] if items else _LIST_SEPARATORS.split(_text(source).strip())
    values = [v for v in values if v]
    if not values:
        return None
    element = etree.Element(tag)
    for value in values:
        etree.SubElement(element, item.tag).text = value
    return element


def _rebuild_complex(source: etree._Element, model: type, tag: str) -> etree._Element:
    fields, lookup = _shape(model)
    found: list[list[etree._Element]] = [[] for _ in fields]
    for child in _elements(source):
        position = _position(_local(child), lookup)
        if position is None:
            log.warning("SOAP %s: ignoring unknown element <%s>", _local(source), _local(child))
            continue
        found[position].append(child)
    element = etree.Element(tag)
    for field, children in zip(fields, found):
        for child in children if field.repeated else children[:1]:
            rebuilt = _rebuild(child, field)
            if rebuilt is not None:
                element.append(rebuilt)
    return element


def find_operation(body_child: etree._Element, operations: dict[str, Operation]) -> Operation | None:
    """The operation a Body's first element names: exact local name first, then any case.
    The namespace is not checked (hand-written clients get it wrong)."""
    name = _local(body_child)
    return operations.get(name) or operations.get(name.lower())


def canonical_request(body_child: etree._Element, operation: Operation) -> etree._Element:
    """Raises InvalidValue for a date no reading makes sense of."""
    return _rebuild_complex(body_child, operation.request, f"{{{operation.namespace}}}{operation.name}")
