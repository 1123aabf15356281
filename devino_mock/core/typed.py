"""Records as plain JSON values and back, read strictly by their annotated types: what a
snapshot (core/snapshot.py) is made of. Reading checks every value against its field's type
and the platform's bounds (instants within its dates, finite numbers, whole numbers within
64 bits, no field a record does not have) and says where a value went wrong."""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from devino_mock.core.accounts import MAX_MONEY
from devino_mock.core.channels import Step
from devino_mock.core.clock import FIRST_INSTANT, LAST_INSTANT, Timestamp
from devino_mock.core.records import Message

MAX_WHOLE = 2**63 - 1  # what SQLite and every wire integer hold
MAX_NUMBER = 1e15  # a measure no record comes near; beyond it a number is junk
SPAN = f"from {FIRST_INSTANT.isoformat()} to {LAST_INSTANT.isoformat()}"  # the instants the platform holds

# A message keeps some fields compact (flat steps, no copy of a text sent whole); documents
# show them by the property that reads them: field -> (name in documents, its type).
PUBLIC = {Message: {"history_flat": ("history", tuple[Step, ...]), "planned_flat": ("planned", tuple[Step, ...]),
                    "text_parts": ("parts", tuple[str, ...]), "validity": ("expires_at", datetime)}}
# Shown for people, derived from the rest, and ignored when a document is read back.
DERIVED = {Message: ("status", "error", "submitted_at", "reported_at")}
RETIRED = {Message: ("version",)}  # fields older documents carry, no longer kept


def encode(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Step):
        return {"at": encode(value.at), "status": value.status, "error": value.error}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [_public(type(value), f.name) for f in dataclasses.fields(value)] + list(DERIVED.get(type(value), ()))
        return {name: encode(getattr(value, name)) for name in names}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, (dict, MappingProxyType)):
        return {str(k): encode(v) for k, v in value.items()}
    return value


def _public(cls: type, field_name: str) -> str:
    shown = PUBLIC.get(cls, {})
    return shown[field_name][0] if field_name in shown else field_name


def decode(kind: object, value: object, where: str) -> object:
    """`value` as the annotated type `kind`, or ValueError naming where it went wrong."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        return _union(typing.get_args(kind), value, where)
    if origin is typing.Literal:
        options = typing.get_args(kind)
        if not any(type(value) is type(option) and value == option for option in options):
            raise ValueError(f"{where}: one of {list(options)}")
        return value
    if kind is datetime:
        return _instant(value, where)
    if kind is Timestamp:
        number = decode(float, value, where)
        if not FIRST_INSTANT.timestamp() <= number <= LAST_INSTANT.timestamp():  # type: ignore[operator]
            raise ValueError(f"{where}: {value!r} is not seconds since the epoch {SPAN}")
        return number
    if kind is Decimal:
        return _amount(value, where)
    if kind is Step:
        if not isinstance(value, dict) or set(value) - {"at", "status", "error"}:
            raise ValueError(f"{where}: expected a step object of 'at', 'status' and 'error'")
        return Step(decode(datetime, value.get("at"), f"{where}.at"),  # type: ignore[arg-type]
                    decode(str, value.get("status"), f"{where}.status"),  # type: ignore[arg-type]
                    decode(str | None, value.get("error"), f"{where}.error"))  # type: ignore[arg-type]
    if typing.is_typeddict(kind):
        return _typed_dict(kind, value, where)  # type: ignore[arg-type]
    if dataclasses.is_dataclass(kind):
        return record(kind, value, where)  # type: ignore[arg-type]
    if origin in (list, tuple):
        return _sequence(origin, typing.get_args(kind), value, where)
    if origin is dict or kind is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected an object")
        item = typing.get_args(kind)[1] if typing.get_args(kind) else object
        return {str(k): decode(item, v, f"{where}.{k}") for k, v in value.items()}
    if kind is object:  # free JSON a client gave (merge fields, an adapter's details)
        return _json(value, where)
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: expected a number")
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            raise ValueError(f"{where}: {value!r} is not a finite number within ±{MAX_NUMBER:.0e}")
        return float(value)
    if kind is int:
        if type(value) is not int:
            raise ValueError(f"{where}: expected a whole number")
        if abs(value) > MAX_WHOLE:
            raise ValueError(f"{where}: {value} is not a whole number within ±(2^63 - 1)")
        return value
    if kind in (str, bool):
        if type(value) is not kind:
            raise ValueError(f"{where}: expected {'a string' if kind is str else 'true or false'}")
        return value
    raise ValueError(f"{where}: cannot read {kind}")


def _union(options: tuple, value: object, where: str) -> object:
    if value is None and type(None) in options:
        return None
    errors = []
    for option in options:
        if option is type(None):
            continue
        try:
            return decode(option, value, where)
        except ValueError as exc:
            errors.append(str(exc))
    raise ValueError(errors[0] if errors else f"{where}: unexpected null")


def _instant(value: object, where: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not an ISO 8601 time") from None
    try:
        moment = moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        if FIRST_INSTANT <= moment <= LAST_INSTANT:
            return moment
    except OverflowError:  # year 1 or 9999 moved to UTC
        pass
    raise ValueError(f"{where}: {value!r} is not a time {SPAN}")


def _amount(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{where}: {value!r} is not an amount")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where}: {value!r} is not an amount") from None
    if not amount.is_finite() or abs(amount) > MAX_MONEY:
        raise ValueError(f"{where}: {value!r} is not an amount within ±{MAX_MONEY}")
    return amount


def _sequence(origin: type, args: tuple, value: object, where: str) -> list | tuple:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list")
    if origin is tuple and args and args[-1] is not Ellipsis:  # a fixed pair, triple…
        if len(value) != len(args):
            raise ValueError(f"{where}: expected a list of {len(args)} items")
        return tuple(decode(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    item = args[0] if args else object
    items = [decode(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    return items if origin is list else tuple(items)


def _typed_dict(kind: type, value: object, where: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected an object")
    hints = typing.get_type_hints(kind)
    unknown = sorted(set(value) - set(hints))
    if unknown:
        raise ValueError(f"{where}: unknown fields {unknown}")
    missing = [name for name in kind.__required_keys__ if name not in value]  # type: ignore[attr-defined]
    if missing:
        raise ValueError(f"{where}: missing {missing[0]!r}")
    return {name: decode(hints[name], v, f"{where}.{name}") for name, v in value.items()}


def _json(value: object, where: str) -> object:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value!r} is not a number JSON allows")
        return value
    if isinstance(value, list):
        return [_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {str(k): _json(v, f"{where}.{k}") for k, v in value.items()}
    raise ValueError(f"{where}: not a JSON value")


def record(cls: type, data: object, where: str):
    """A dataclass from its document: every field of its type, none it does not have."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object")
    hints = typing.get_type_hints(cls)
    shown = PUBLIC.get(cls, {})
    names = {_public(cls, f.name) for f in dataclasses.fields(cls)} | set(DERIVED.get(cls, ())) \
        | set(RETIRED.get(cls, ()))
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{where}: unknown fields {unknown}")
    values, public = {}, {}
    for f in dataclasses.fields(cls):
        name = _public(cls, f.name)
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ValueError(f"{where}: missing {name!r}")
            continue
        if f.name in shown:  # set through its property once the record exists
            public[name] = decode(shown[f.name][1], data[name], f"{where}.{name}")
            values[f.name] = ()
        else:
            values[f.name] = decode(hints[f.name], data[name], f"{where}.{name}")
    built = cls(**values)
    for name, value in public.items():
        setattr(built, name, value)
    return built
