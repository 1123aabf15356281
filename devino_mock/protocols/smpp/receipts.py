"""Delivery receipts (SMPP 3.4 Appendix B text plus receipted_message_id and message_state)
and the platform state -> SMPP message_state table (smpp.md §11.2, §12)."""

from __future__ import annotations

import string
from datetime import datetime

from devino_mock.core.records import Message
from devino_mock.protocols.smpp import times

ENROUTE, DELIVERED, EXPIRED, DELETED, UNDELIVERABLE, ACCEPTED, UNKNOWN, REJECTED = range(1, 9)

# Platform SMS state -> (receipt stat, message_state).
FINAL_STATES: dict[int, tuple[str, int]] = {
    0: ("DELIVRD", DELIVERED),
    46: ("EXPIRED", EXPIRED),
    47: ("DELETED", DELETED),
    -98: ("DELETED", DELETED),
    41: ("UNDELIV", UNDELIVERABLE),
    11: ("UNDELIV", UNDELIVERABLE),
    10: ("REJECTD", REJECTED),
    42: ("REJECTD", REJECTED),
    48: ("REJECTD", REJECTED),
    69: ("REJECTD", REJECTED),
    99: ("UNKNOWN", UNKNOWN),
    255: ("UNKNOWN", UNKNOWN),
}
GSM_NETWORK = 0x03  # network_error_code type
# Characters that read the same in ASCII and in GSM 03.38 (the receipt's data_coding 0).
_SAME_IN_GSM = frozenset(string.ascii_letters + string.digits + " !\"#%&'()*+,-./:;<=>?")

RECEIPT_MODES = {0: 0, 1: 1, 2: 2, 3: 1}  # registered_delivery bits 1-0; 3 is reserved: as 1


def message_state(status: int) -> int:
    return FINAL_STATES.get(status, ("", ENROUTE))[1]


def error_code(status: int) -> int:
    """The platform state as the 1-octet error_code / 3-digit err (0 when delivered)."""
    code = abs(status)
    return code if code < 256 else 0


def wants_receipt(mode: int, status: int) -> bool:
    return mode == 1 or (mode == 2 and status != 0)


def receipt_text(segment_id: str, status: int, submitted: datetime, done: datetime, text: str) -> str:
    stat = FINAL_STATES.get(status, ("UNKNOWN", UNKNOWN))[0]
    snippet = text[:20] if all(c in _SAME_IN_GSM for c in text[:20]) else ""
    return (f"id:{segment_id} sub:001 dlvrd:{'001' if status == 0 else '000'} "
            f"submit date:{times.receipt_date(submitted)} done date:{times.receipt_date(done)} "
            f"stat:{stat} err:{error_code(status):03d} text:{snippet}")


def receipt_params(message: Message, index: int, status: int, at: datetime) -> dict:
    """deliver_sm fields of the receipt for segment `index` of `message`."""
    smpp = message.extra.get("smpp", {})
    segment_id = message.ids[index]
    text = message.parts[index] if index < len(message.parts) and smpp.get("method") != "payload" else message.text
    if smpp.get("binary"):
        text = ""
    params = {
        "service_type": "",
        "source_addr_ton": smpp.get("dest_ton", 1),
        "source_addr_npi": smpp.get("dest_npi", 1),
        "source_addr": message.destination.encode("ascii", "replace")[:20],
        "dest_addr_ton": smpp.get("source_ton", 5),
        "dest_addr_npi": smpp.get("source_npi", 1),
        "destination_addr": message.source.encode("ascii", "replace")[:20],
        "esm_class": 0x04,  # SMSC delivery receipt
        "protocol_id": 0,
        "priority_flag": 0,
        "schedule_delivery_time": "",
        "validity_period": "",
        "registered_delivery": 0,
        "replace_if_present_flag": 0,
        "data_coding": 0,
        "sm_default_msg_id": 0,
        "short_message": receipt_text(segment_id, status, message.created_at, at, text).encode("ascii"),
        "receipted_message_id": segment_id,
        "message_state": message_state(status),
    }
    if status != 0:
        params["network_error_code"] = bytes([GSM_NETWORK]) + error_code(status).to_bytes(2, "big")
    return params
