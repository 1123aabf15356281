"""SMPP command_status values (SMPP 3.4 §5.1.3) and the map from domain errors to them
(smpp.md §10, §17.2). The SMPP adapter's error table, as rest/errors.py is REST's."""

from __future__ import annotations

from smpp.pdu import constants

from devino_mock.core import errors

ESME_ROK = 0x00
ESME_RINVMSGLEN = 0x01
ESME_RINVCMDLEN = 0x02
ESME_RINVCMDID = 0x03
ESME_RINVBNDSTS = 0x04
ESME_RALYBND = 0x05
ESME_RSYSERR = 0x08
ESME_RINVSRCADR = 0x0A
ESME_RINVDSTADR = 0x0B
ESME_RINVMSGID = 0x0C
ESME_RBINDFAIL = 0x0D
ESME_RINVPASWD = 0x0E
ESME_RINVSYSID = 0x0F
ESME_RCANCELFAIL = 0x11
ESME_RREPLACEFAIL = 0x13
ESME_RMSGQFUL = 0x14
ESME_RINVSUBREP = 0x42
ESME_RINVESMCLASS = 0x43
ESME_RSUBMITFAIL = 0x45
ESME_RTHROTTLED = 0x58
ESME_RINVSCHED = 0x61
ESME_RINVEXPIRY = 0x62
ESME_RINVDFTMSGID = 0x63
ESME_RQUERYFAIL = 0x67
ESME_RMISSINGOPTPARAM = 0xC3
ESME_RINVOPTPARAMVAL = 0xC4
ESME_RUNKNOWNERR = 0xFF


class SmppError(Exception):
    """A request the SMSC answers with this command_status."""

    def __init__(self, status: int, detail: str = "") -> None:
        super().__init__(f"{name(status)}: {detail}" if detail else name(status))
        self.status = status


def name(status: int) -> str:
    entry = constants.command_status_value_map.get(status)
    return entry["name"] if entry else f"0x{status:08X}"


# Domain error -> command_status. "Insufficient balance" is ESME_RSUBMITFAIL (HTTP-visible
# state 69 "Отклонено"); a gateway error is the documented retry-later "Message Queue Full".
DOMAIN_STATUS: dict[type[errors.PlatformError], int] = {
    errors.InvalidDestination: ESME_RINVDSTADR,
    errors.InvalidSource: ESME_RINVSRCADR,
    errors.InsufficientFunds: ESME_RSUBMITFAIL,
    errors.Forbidden: ESME_RSUBMITFAIL,
    errors.InvalidArgument: ESME_RSUBMITFAIL,
    errors.TooManyRecipients: ESME_RSUBMITFAIL,
    errors.InvalidMessageLength: ESME_RINVMSGLEN,
    errors.GatewayError: ESME_RMSGQFUL,
    errors.InternalError: ESME_RSYSERR,
    errors.QuotaExceeded: ESME_RSUBMITFAIL,
    errors.InvalidCredentials: ESME_RINVSYSID,
}
MISSING_ARGUMENT_STATUS = {
    "destination": ESME_RINVDSTADR,
    "source": ESME_RINVSRCADR,
    "text": ESME_RINVMSGLEN,
    "message_id": ESME_RINVMSGID,
}


def status_for(exc: errors.PlatformError) -> int:
    if isinstance(exc, errors.MissingArgument):
        return MISSING_ARGUMENT_STATUS.get(exc.name, ESME_RSUBMITFAIL)
    for cls, status in DOMAIN_STATUS.items():
        if isinstance(exc, cls):
            return status
    return ESME_RSYSERR
