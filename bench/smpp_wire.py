"""Raw SMPP 3.4 PDUs for the load generator and the bare SMSC: a few struct calls, so neither
side of the benchmark spends its time in a PDU library."""

from __future__ import annotations

import struct

HEADER = struct.Struct(">IIII")  # command_length, command_id, command_status, sequence_number
BIND_TRANSCEIVER, BIND_TRANSCEIVER_RESP = 0x00000009, 0x80000009
SUBMIT_SM, SUBMIT_SM_RESP = 0x00000004, 0x80000004
DELIVER_SM, DELIVER_SM_RESP = 0x00000005, 0x80000005
UNBIND, UNBIND_RESP = 0x00000006, 0x80000006
ENQUIRE_LINK, ENQUIRE_LINK_RESP = 0x00000015, 0x80000015
GENERIC_NACK = 0x80000000


def pdu(command_id: int, sequence: int, body: bytes = b"", status: int = 0) -> bytes:
    return HEADER.pack(HEADER.size + len(body), command_id, status, sequence) + body


def cstring(text: str) -> bytes:
    return text.encode("ascii") + b"\0"


def bind_transceiver(sequence: int, system_id: str, password: str) -> bytes:
    return pdu(BIND_TRANSCEIVER, sequence, cstring(system_id) + cstring(password) + b"\0" + bytes([0x34, 0, 0]) + b"\0")


def submit_sm_body(source: str, destination: str, text: bytes, registered_delivery: int = 1) -> bytes:
    return (b"\0" + bytes([5, 1]) + cstring(source) + bytes([1, 1]) + cstring(destination)
            + bytes([0, 0, 0]) + b"\0" + b"\0" + bytes([registered_delivery, 0, 0, 0, len(text)]) + text)


def split(buffer: bytearray) -> list[tuple[int, int, int, bytes]]:
    """Take every complete PDU off the front of `buffer`: (command_id, status, sequence, body)."""
    out = []
    offset = 0
    while len(buffer) - offset >= HEADER.size:
        length, command_id, status, sequence = HEADER.unpack_from(buffer, offset)
        if len(buffer) - offset < length:
            break
        out.append((command_id, status, sequence, bytes(buffer[offset + HEADER.size:offset + length])))
        offset += length
    del buffer[:offset]
    return out
