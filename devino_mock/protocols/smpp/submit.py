"""What a submit_sm or data_sm asks for, read from its decoded fields and checked the way an
SMPP 3.4 SMSC checks them (smpp.md §5-8, §17.2). The platform checks the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from devino_mock.protocols.smpp import status as st
from devino_mock.protocols.smpp import times
from devino_mock.protocols.smpp.coding import BadHeader, Concatenation, split_udh
from devino_mock.protocols.smpp.receipts import RECEIPT_MODES
from devino_mock.protocols.smpp.status import SmppError

UDHI = 0x40
SAR_TAGS = ("sar_msg_ref_num", "sar_total_segments", "sar_segment_seqnum")


@dataclass(frozen=True)
class ShortMessage:
    source: str
    source_ton: int
    source_npi: int
    destination: str
    dest_ton: int
    dest_npi: int
    esm_class: int
    data_coding: int
    user_data: bytes  # the text's octets, without any UDH
    concat: Concatenation | None
    via_payload: bool  # the text came in message_payload: the SMSC splits it
    receipt_mode: int  # 0 none, 1 on the final outcome, 2 on failure only
    send_at: datetime | None
    expires_at: datetime | None
    ussd: bool

    def transport_details(self) -> dict:
        """What the message record keeps of the PDU (control API `extra.smpp`, receipts)."""
        return {
            "source_ton": self.source_ton, "source_npi": self.source_npi,
            "dest_ton": self.dest_ton, "dest_npi": self.dest_npi,
            "esm_class": self.esm_class, "data_coding": self.data_coding,
            **({"ussd": True} if self.ussd else {}),
        }


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1").strip()
    return (value or "").strip()


def read(params: dict, now: datetime, data_sm: bool) -> ShortMessage:
    """Raises SmppError with the command_status for a request the SMSC refuses outright."""
    if not data_sm:
        if params.get("replace_if_present_flag"):
            raise SmppError(st.ESME_RINVSUBREP, "replace_if_present is not supported")
        if params.get("sm_default_msg_id"):
            raise SmppError(st.ESME_RINVDFTMSGID, "no predefined messages")
    short_message = params.get("short_message") or b""
    payload = params.get("message_payload")
    if short_message and payload is not None:
        raise SmppError(st.ESME_RINVMSGLEN, "short_message and message_payload together")
    user_data = payload if payload is not None else short_message
    esm_class = params.get("esm_class") or 0
    concat = None
    if esm_class & UDHI:
        try:
            concat, user_data = split_udh(user_data)
        except BadHeader as exc:
            raise SmppError(st.ESME_RINVESMCLASS, str(exc)) from None
        if concat and not 1 <= concat.sequence <= concat.total:
            raise SmppError(st.ESME_RINVESMCLASS, f"segment {concat.sequence} of {concat.total}")
    if concat is None:
        concat = _sar(params)
    send_at, expires_at = _times(params, now, data_sm)
    service_type = _text(params.get("service_type"))
    return ShortMessage(
        source=_text(params.get("source_addr")),
        source_ton=params.get("source_addr_ton") or 0,
        source_npi=params.get("source_addr_npi") or 0,
        destination=_text(params.get("destination_addr")),
        dest_ton=params.get("dest_addr_ton") or 0,
        dest_npi=params.get("dest_addr_npi") or 0,
        esm_class=esm_class,
        data_coding=params.get("data_coding") or 0,
        user_data=bytes(user_data),
        concat=concat,
        via_payload=payload is not None,
        receipt_mode=RECEIPT_MODES[(params.get("registered_delivery") or 0) & 0x03],
        send_at=send_at,
        expires_at=expires_at,
        ussd=service_type.upper() == "USSD" or "ussd_service_op" in params,
    )


def _sar(params: dict) -> Concatenation | None:
    present = [tag for tag in SAR_TAGS if tag in params]
    if not present:
        return None
    if len(present) != len(SAR_TAGS):
        missing = ", ".join(tag for tag in SAR_TAGS if tag not in params)
        raise SmppError(st.ESME_RMISSINGOPTPARAM, f"missing {missing}")
    reference, total, sequence = (params[tag] for tag in SAR_TAGS)
    if not 1 <= sequence <= total:
        raise SmppError(st.ESME_RINVOPTPARAMVAL, f"segment {sequence} of {total}")
    return Concatenation("sar", reference, total, sequence)


def _times(params: dict, now: datetime, data_sm: bool) -> tuple[datetime | None, datetime | None]:
    if data_sm:
        ttl = params.get("qos_time_to_live")
        return None, (now + timedelta(seconds=ttl)) if ttl else None
    try:
        send_at = times.parse(params.get("schedule_delivery_time"), now)
    except ValueError as exc:
        raise SmppError(st.ESME_RINVSCHED, str(exc)) from None
    try:
        expires_at = times.parse(params.get("validity_period"), now)
    except ValueError as exc:
        raise SmppError(st.ESME_RINVEXPIRY, str(exc)) from None
    if expires_at is not None and expires_at <= max(send_at or now, now):
        raise SmppError(st.ESME_RINVEXPIRY, "validity ends before delivery could start")
    return send_at, expires_at
