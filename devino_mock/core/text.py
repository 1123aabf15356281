"""SMS text: GSM 03.38 or UCS-2, and segmentation (160/153 septets, 70/67 UTF-16 units)."""

from __future__ import annotations

from dataclasses import dataclass

import gsm0338  # noqa: F401  registers the "gsm03.38" codec

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


def gsm_septets(char: str) -> int | None:
    try:
        return len(char.encode("gsm03.38"))
    except UnicodeEncodeError:
        return None


def _ucs2_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def segment(text: str) -> Segmentation:
    try:
        encoded = text.encode("gsm03.38")
    except UnicodeEncodeError:
        encoded = None
    if encoded is not None:
        return Segmentation("gsm", len(encoded), _split(text, len(encoded), GSM_SINGLE, GSM_PART, gsm_septets))
    units = sum(_ucs2_units(c) for c in text)
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
