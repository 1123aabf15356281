"""Short message text: data_coding (smpp.md §6), the concatenation UDH (GSM 03.40 §9.2.3.24)
and the encoding of what the SMSC sends (receipts, MO)."""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass

import gsm0338  # noqa: F401  registers the "gsm03.38" codec
from smpp.pdu.gsm_encoding import UserDataHeaderEncoder
from smpp.pdu.gsm_types import IEConcatenatedSM, InformationElement, InformationElementIdentifier

from devino_mock.core.text import segment

GSM, UCS2, BINARY = "gsm", "ucs2", "binary"
ESCAPE = 0x1B
BINARY_SINGLE, BINARY_PART = 140, 134

# data_coding -> Python codec for the single-byte and multi-byte alphabets SMPP 3.4 names.
_CODECS = {0x01: "ascii", 0x03: "latin-1", 0x06: "iso8859-5", 0x07: "iso8859-8", 0x0A: "iso2022-jp",
           0x0E: "euc-kr"}
_CONCAT_IES = (InformationElementIdentifier.CONCATENATED_SM_8BIT_REF_NUM,
               InformationElementIdentifier.CONCATENATED_SM_16BIT_REF_NUM)


def alphabet(data_coding: int) -> str:
    """gsm, ucs2, binary or a Python codec name, by SMPP 3.4 and the GSM 03.38 DCS groups."""
    if data_coding == 0x00:
        return GSM
    if data_coding == 0x08:
        return UCS2
    if data_coding in _CODECS:
        return _CODECS[data_coding]
    group = data_coding >> 4
    if group <= 0x07 and data_coding > 0x0F:  # general data coding; bit 5 = compressed
        if data_coding & 0x20:
            return BINARY
        return (GSM, BINARY, UCS2, BINARY)[(data_coding >> 2) & 0x03]
    if 0xC == group or 0xD == group:  # message waiting, GSM 7-bit
        return GSM
    if group == 0xE:  # message waiting, UCS2
        return UCS2
    if group == 0xF:  # message class: bit 2 chooses 8-bit data
        return BINARY if data_coding & 0x04 else GSM
    return BINARY  # 0x02, 0x04 octets; JIS, pictogram, Kanji and reserved values kept raw


@dataclass(frozen=True)
class Decoded:
    parts: list[str]
    binary: bool  # parts are hex: 8-bit data has no text

    @property
    def text(self) -> str:
        return "".join(self.parts)


def decode_parts(chunks: list[bytes], data_coding: int) -> Decoded:
    """The text of each part. A GSM escape or a UTF-16 surrogate pair cut by the client's split
    moves whole into the next part, as a handset joins them."""
    kind = alphabet(data_coding)
    if kind == BINARY:
        return Decoded([chunk.hex().upper() for chunk in chunks], True)
    if kind == UCS2:
        decoder = codecs.getincrementaldecoder("utf-16-be")("replace")
        parts = [decoder.decode(chunk) for chunk in chunks]
        parts[-1] += decoder.decode(b"", final=True)
        return Decoded(parts, False)
    if kind == GSM:
        return Decoded(_decode_gsm(chunks), False)
    try:
        return Decoded([chunk.decode(kind) for chunk in chunks], False)
    except UnicodeDecodeError:
        return Decoded([chunk.decode("latin-1") for chunk in chunks], False)


def _decode_gsm(chunks: list[bytes]) -> list[str]:
    parts, carry = [], b""
    for chunk in chunks:
        data = carry + chunk
        carry = b""
        if data.endswith(bytes([ESCAPE])) and not data.endswith(bytes([ESCAPE, ESCAPE])):
            data, carry = data[:-1], data[-1:]
        parts.append(_gsm_or_latin1(data))
    if carry:
        parts[-1] += _gsm_or_latin1(carry)
    return parts


def _gsm_or_latin1(data: bytes) -> str:
    # Octets >= 0x80 are not GSM 03.38: clients that mean Latin-1 by "default" get it.
    try:
        return data.decode("gsm03.38")
    except (UnicodeDecodeError, ValueError, KeyError):
        return data.decode("latin-1")


def split_binary(data: bytes) -> list[bytes]:
    if len(data) <= BINARY_SINGLE:
        return [data]
    return [data[i:i + BINARY_PART] for i in range(0, len(data), BINARY_PART)]


@dataclass(frozen=True)
class Concatenation:
    method: str  # udh8, udh16, sar
    reference: int
    total: int
    sequence: int


class BadHeader(ValueError):
    """A UDH that does not fit the short message."""


def split_udh(short_message: bytes) -> tuple[Concatenation | None, bytes]:
    """The concatenation element of a UDH (if any) and the user data after it."""
    if not short_message:
        raise BadHeader("UDHI set on an empty short_message")
    length = short_message[0]
    if length + 1 > len(short_message):
        raise BadHeader(f"UDH length {length} exceeds the short_message")
    try:
        elements = UserDataHeaderEncoder().decode(io.BytesIO(short_message[:length + 1]))
    except Exception as exc:  # the library raises several unrelated types for a bad header
        raise BadHeader(f"malformed UDH: {exc}") from exc
    concat = None
    for element in elements or []:
        if element.identifier in _CONCAT_IES:
            data = element.data
            method = "udh8" if element.identifier == _CONCAT_IES[0] else "udh16"
            concat = Concatenation(method, data.referenceNum, data.maximumNum, data.sequenceNum)
    return concat, short_message[length + 1:]


# --- what the SMSC sends ----------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    data_coding: int
    esm_class_udhi: bool
    short_messages: list[bytes]


def encode_outgoing(text: str, reference: int) -> Outgoing:
    """GSM 03.38 (data_coding 0) when every character has a septet, else UCS2 (8); a long text
    as parts with the 6-byte UDH `05 00 03 ref total seq` (smpp.md §13)."""
    seg = segment(text)
    gsm = seg.encoding == "gsm"
    encoded = [part.encode("gsm03.38") if gsm else part.encode("utf-16-be") for part in seg.parts]
    if len(encoded) == 1:
        return Outgoing(0x00 if gsm else 0x08, False, encoded)
    total = len(encoded)
    messages = []
    for number, body in enumerate(encoded, start=1):
        header = InformationElement(_CONCAT_IES[0], IEConcatenatedSM(reference % 256, total, number))
        messages.append(UserDataHeaderEncoder().encode([header]) + body)
    return Outgoing(0x00 if gsm else 0x08, True, messages)
