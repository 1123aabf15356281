"""The SOAP types of SmsService.asmx / SmsServicev2.asmx as spyne models (soap.md §4, §10.3).

Request models accept what a hand-written client may leave out (every element optional:
spyne's soft validation enforces `min_occurs`); the published WSDL states the occurrence
rules an ASMX service would (wsdl.py). Response models declare `min_occurs=1` for the value
elements so a missing date or price is written as `xsi:nil="true"` instead of being omitted,
which strict clients (zeep) require."""

from __future__ import annotations

from spyne import Boolean, ComplexModel, DateTime, Decimal, Integer32, Unicode

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
