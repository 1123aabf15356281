"""Phone numbers: normalisation to canonical digits, validity, time zone by prefix."""

from __future__ import annotations

MIN_DIGITS = 11
MAX_DIGITS = 15


def normalize(raw: str | None) -> str | None:
    """Canonical digits (79031234567) or None when the number is not valid.

    Accepts 79031234567, +79031234567, 89031234567 and a leading space (a `+` that a form
    decoder turned into a space)."""
    if raw is None:
        return None
    number = raw.strip()
    if number.startswith("+"):
        number = number[1:]
    for sep in (" ", "-", "(", ")"):
        number = number.replace(sep, "")
    if not number.isascii() or not number.isdigit():
        return None
    if len(number) == 11 and number.startswith("8"):
        number = "7" + number[1:]
    if not MIN_DIGITS <= len(number) <= MAX_DIGITS:
        return None
    return number


def longest_prefix(number: str, table: dict[str, object], default: object = None) -> object:
    for end in range(len(number), 0, -1):
        hit = table.get(number[:end])
        if hit is not None:
            return hit
    return default
