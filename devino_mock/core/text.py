"""SMS text: GSM 03.38 or UCS-2, and segmentation (160/153 septets, 70/67 UTF-16 units)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import gsm0338  # noqa: F401  registers the "gsm03.38" codec
from gsm0338.charset import BASIC_CHARACTER_SET, BASIC_CHARACTER_SET_EXTENSION

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class Segmentation:
    encoding: str  # "gsm" or "ucs2"
    units: int  # septets (gsm) or UTF-16 code units (ucs2)
    parts: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.parts)


def _septet_table() -> dict[str, int]:
    """Septets per character, asked of the codec once: the codec encodes a character at a time
    in Python, which made segmentation the costliest step of a send."""
    table: dict[str, int] = {}
    for names in (BASIC_CHARACTER_SET, BASIC_CHARACTER_SET_EXTENSION):
        for name in names.values():
            try:
                char = unicodedata.lookup(name)
                table[char] = len(char.encode("gsm03.38"))
            except (KeyError, UnicodeEncodeError, TypeError):
                continue
    return table


GSM_SEPTETS = _septet_table()
GSM_ALPHABET = frozenset(GSM_SEPTETS)
GSM_ESCAPED = tuple(char for char, septets in GSM_SEPTETS.items() if septets == 2)


def gsm_septets(char: str) -> int | None:
    return GSM_SEPTETS.get(char)


def _ucs2_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def segment(text: str) -> Segmentation:
    if GSM_ALPHABET.issuperset(text):
        septets = len(text) + sum(text.count(char) for char in GSM_ESCAPED)
        return Segmentation("gsm", septets, _split(text, septets, GSM_SINGLE, GSM_PART, GSM_SEPTETS.__getitem__))
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    return Segmentation("ucs2", units, _split(text, units, UCS2_SINGLE, UCS2_PART, _ucs2_units))


def _split(text: str, total: int, single: int, part: int, cost) -> tuple[str, ...]:
    if total <= single:
        return (text,)
    parts: list[str] = []
    current: list[str] = []
    used = 0
    # A character never straddles two parts: an escaped GSM character or a surrogate pair
    # moves whole to the next part, as real handsets and SMSCs split.
    for char in text:
        size = cost(char)
        if used + size > part:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += size
    if current:
        parts.append("".join(current))
    return tuple(parts)
