"""PDU framing and the smpp.pdu3 codec (import name `smpp.pdu`).

smpp.pdu3's encoder keeps the length of the last TLV it decoded and then fails to encode a
variable-length TLV, so every connection gets one instance for decoding and another for
encoding. The SMSC interprets some fields itself: they travel as raw values (ints, strings),
because the library rejects values SMPP 3.4 asks an SMSC to tolerate (unknown TON/NPI,
registered_delivery 3, reserved data_coding) and its time parser prints to stdout."""

from __future__ import annotations

import io
import struct

from smpp.pdu import constants, operations, pdu_types
from smpp.pdu.pdu_encoding import COctetStringEncoder, Int1Encoder, OctetStringEncoder, PDUEncoder

HEADER = struct.Struct(">IIII")
HEADER_LENGTH = HEADER.size
# A 64 KiB message_payload plus room for every other field of a submit_sm.
MAX_PDU_LENGTH = 0x10000 + 1024
RESPONSE_BIT = 0x80000000

COMMAND_IDS: dict[str, int] = dict(constants.command_id_name_map)
COMMAND_NAMES: dict[int, str] = {value: key for key, value in COMMAND_IDS.items()}

_RAW_INT_FIELDS = ("addr_ton", "addr_npi", "source_addr_ton", "source_addr_npi", "dest_addr_ton",
                   "dest_addr_npi", "esm_class", "priority_flag", "registered_delivery",
                   "replace_if_present_flag", "data_coding", "message_state")
_ST = pdu_types.CommandStatus
RAW_FIELDS = {
    **{name: Int1Encoder() for name in _RAW_INT_FIELDS},
    "schedule_delivery_time": COctetStringEncoder(17, decodeErrorStatus=_ST.ESME_RINVSCHED),
    "validity_period": COctetStringEncoder(17, decodeErrorStatus=_ST.ESME_RINVEXPIRY),
    "final_date": COctetStringEncoder(17),
}


class LenientEncoder(PDUEncoder):
    def __init__(self) -> None:
        super().__init__()
        options = self.optionEncoder.options
        options[pdu_types.Tag.message_state] = Int1Encoder()
        # TLVs the library leaves commented out (ussd_service_op, its_reply_type, ...) are
        # kept as raw octets instead of failing the whole PDU.
        for tag in pdu_types.Tag:
            options.setdefault(tag, OctetStringEncoder(self.optionEncoder.getLength))

    def getRequiredParamEncoders(self, pdu):  # noqa: N802 (library API)
        return {**super().getRequiredParamEncoders(pdu), **RAW_FIELDS}

    def decodeOptionalParams(self, paramList, file, optionsLength):  # noqa: N802, N803
        # SMPP 3.4 §3.2.4: a TLV that does not belong to this PDU is ignored, not an error.
        found = {}
        start = file.tell()
        while file.tell() - start < optionsLength:
            option = self.optionEncoder.decode(file)
            if option.tag.name in paramList and option.tag.name != "vendor_specific_bypass":
                found[option.tag.name] = option.value
        return found


def status_enum(code: int):
    return getattr(_ST, constants.command_status_value_map[code]["name"])


def status_code(status) -> int:
    return constants.command_status_name_map[status.name]


# Responses whose body SMPP 3.4 omits when command_status is not 0 (smpplib expects that too).
_NO_BODY_ON_ERROR = frozenset({"submit_sm_resp", "data_sm_resp", "query_sm_resp", "submit_multi_resp"})
# A refused bind still carries system_id: aiosmpplib cannot read a bind_*_resp without it, and
# smpplib reads both forms.
_BIND_RESPONSES = frozenset({"bind_transmitter_resp", "bind_receiver_resp", "bind_transceiver_resp"})


class Codec:
    """One per connection: a decoder and a separate encoder."""

    def __init__(self) -> None:
        self._decoder = LenientEncoder()
        self._encoder = LenientEncoder()

    def decode(self, frame: bytes):
        return self._decoder.decode(io.BytesIO(frame))

    def encode(self, pdu) -> bytes:
        return self._encoder.encode(pdu)

    def response(self, command: str, sequence: int | None, status: int = 0, **params) -> bytes:
        """The `command` PDU (a response name such as "submit_sm_resp") answering `sequence`."""
        pdu = operations.getPDUClass(getattr(pdu_types.CommandId, command))(sequence or None, status_enum(status), **params)
        if status and command in _BIND_RESPONSES:
            body = COctetStringEncoder(16).encode(params.get("system_id", ""))
            return self._encoder.encodeHeader(pdu, body) + body
        if status and command in _NO_BODY_ON_ERROR or not pdu.mandatoryParams and not params:
            return self._encoder.encodeHeader(pdu, b"")
        return self._encoder.encode(pdu)

    def request(self, command: str, sequence: int, **params) -> bytes:
        pdu = operations.getPDUClass(getattr(pdu_types.CommandId, command))(sequence, _ST.ESME_ROK, **params)
        return self._encoder.encode(pdu)


def response_name(command_id: int) -> str | None:
    """The response command for a request id, or None when `command_id` has none."""
    return COMMAND_NAMES.get(command_id | RESPONSE_BIT) if not command_id & RESPONSE_BIT else None
