"""The SOAP types of SmsService.asmx / SmsServicev2.asmx and ViberService.asmx /
ViberServiceV2.asmx as spyne models (soap.md §4, §6, §10.3, Appendix B.2).

Request models accept what a hand-written client may leave out (every element optional:
spyne's soft validation enforces `min_occurs`); the published WSDL states the occurrence
rules an ASMX service would (wsdl.py). Response models declare `min_occurs=1` for the value
elements so a missing date or price is written as `xsi:nil="true"` instead of being omitted,
which strict clients (zeep) require."""

from __future__ import annotations

from spyne import Boolean, ComplexModel, DateTime, Decimal, Enum, Integer32, Integer64, Unicode

NS = "http://ws.devinosms.com"

# Response value elements are always written, `xsi:nil` when unknown.
_Int = Integer32(min_occurs=1)
_Date = DateTime(min_occurs=1)
_Money = Decimal(min_occurs=1)


class ArrayOfString(ComplexModel):
    __namespace__ = NS
    __type_name__ = "ArrayOfString"
    _type_info = [("string", Unicode(max_occurs="unbounded", nillable=True))]


class SmsMessage(ComplexModel):
    __namespace__ = NS
    __type_name__ = "SmsMessage"
    _type_info = [
        ("Data", Unicode),
        ("DelayUntilUtc", DateTime),
        ("DestinationAddresses", ArrayOfString),
        ("SourceAddress", Unicode),
        ("ReceiptRequested", Boolean),
        ("Validity", Integer32),
    ]


class MessageState(ComplexModel):
    __namespace__ = NS
    __type_name__ = "MessageState"
    _type_info = [
        ("State", _Int),
        ("CreationDateUtc", _Date),
        ("SubmittedDateUtc", _Date),
        ("ReportedDateUtc", _Date),
        ("StateDescription", Unicode),
        ("Price", _Money),
    ]


class Statistics(ComplexModel):
    __namespace__ = NS
    __type_name__ = "Statistics"
    _type_info = [
        ("Sent", _Int),
        ("Delivered", _Int),
        ("Errors", _Int),
        ("InProcess", _Int),
        ("Expired", _Int),
        ("Rejected", _Int),
    ]


class IncomingMessage(ComplexModel):
    __namespace__ = NS
    __type_name__ = "IncomingMessage"
    _type_info = [
        ("Data", Unicode),
        ("SourceAddress", Unicode),
        ("DestinationAddress", Unicode),
        ("CreatedDateUtc", _Date),
    ]


class ArrayOfIncomingMessage(ComplexModel):
    __namespace__ = NS
    __type_name__ = "ArrayOfIncomingMessage"
    _type_info = [("IncomingMessage", IncomingMessage.customize(max_occurs="unbounded", nillable=True))]


# --- Viber (soap.md §6, §8.2, Appendix B.2) -------------------------------------------------

# A .NET enum: written as its member name; the WSDL declares it `minOccurs="1"` (a value type).
VIBER_STATES = ("Enqueued", "Sent", "Delivered", "Read", "Undelivered", "Failed", "Unknown", "Expired")
ViberMessageState = Enum(*VIBER_STATES, type_name="ViberMessageState")


class ViberMessage(ComplexModel):
    __namespace__ = NS
    __type_name__ = "ViberMessage"
    _type_info = [
        ("Data", Unicode),
        ("DestinationAddresses", ArrayOfString),
        ("SourceAddress", Unicode),
        ("Validity", Integer32),
        ("Optional", Unicode),
    ]


class ViberSmsMessageStateInfo(ComplexModel):
    __namespace__ = NS
    __type_name__ = "ViberSmsMessageStateInfo"
    _type_info = [("Id", Integer64(min_occurs=1))]


class ArrayOfViberSmsMessageStateInfo(ComplexModel):
    __namespace__ = NS
    __type_name__ = "ArrayOfViberSmsMessageStateInfo"
    _type_info = [("ViberSmsMessageStateInfo",
                   ViberSmsMessageStateInfo.customize(max_occurs="unbounded", nillable=True))]


class ViberMessageStateInfo(ComplexModel):
    """The documented example's shape (State, ResentSms), not the table's: the example is an
    ASMX-generated sample, and strict clients refuse elements the WSDL lacks (soap.md §10.5 #5)."""

    __namespace__ = NS
    __type_name__ = "ViberMessageStateInfo"
    _type_info = [
        ("State", ViberMessageState.customize(min_occurs=1)),
        ("ResentSms", ArrayOfViberSmsMessageStateInfo),
    ]
