"""JSON bodies from clients, read safely: nesting checked before parsing (a 100,000-deep body
costs one pass and no recursion) and NaN/Infinity refused."""

from __future__ import annotations

import json

MAX_JSON_DEPTH = 32


def depth(raw: bytes) -> int:
    """How deep brackets nest, strings skipped."""
    level = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            level += 1
            if level > deepest:
                deepest = level
        elif byte in (0x5D, 0x7D):
            level -= 1
    return deepest


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def parse(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> object:
    """The JSON value in `raw`; ValueError when it is not JSON, nests too deep or holds NaN."""
    if depth(raw) > max_depth:
        raise ValueError(f"the body nests deeper than {max_depth} levels")
    try:
        return json.loads(raw.decode("utf-8-sig"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(str(exc)) from None
