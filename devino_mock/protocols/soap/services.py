"""The SMS and the Viber services as spyne services. Parameter names are the documented element names
(soap.md §4, §5) and methods are declared in the documented order, which is the order of the
WSDL's operations. Each method is one call into operations.py; `ctx.udc` is the per-request
`Call` (platform and transport name)."""

from __future__ import annotations

from spyne import DateTime, Decimal, Integer32, Integer64, ServiceBase, Unicode, rpc

from devino_mock.core.platform import ByLogin, BySession
from devino_mock.protocols.soap import operations as ops
from devino_mock.protocols.soap.models import (
    ArrayOfIncomingMessage,
    ArrayOfString,
    MessageState,
    SmsMessage,
    Statistics,
    ViberMessage,
    ViberMessageStateInfo,
)


def _result(name: str) -> dict:
    return {"_out_variable_name": f"{name}Result"}


class SmsServiceV1(ServiceBase):
    """SmsService.asmx: GetSessionID, then the session id in every call."""

    @rpc(Unicode, Unicode, _returns=Unicode, **_result("GetSessionID"))
    def GetSessionID(ctx, login, password):
        return ops.open_session(ctx.udc, login, password)

    @rpc(Unicode, _returns=Decimal(min_occurs=1), **_result("GetBalance"))
    def GetBalance(ctx, sessionID):
        return ops.balance(ctx.udc, BySession(sessionID))

    @rpc(Unicode, Unicode, Unicode, Unicode, DateTime, Integer32, _returns=ArrayOfString,
         **_result("SendMessageByTimeZone"))
    def SendMessageByTimeZone(ctx, sessionID, sourceAddress, destinationAddress, data, sendDate, validity):
        return ops.send(ctx.udc, BySession(sessionID), source=sourceAddress, destinations=[destinationAddress],
                        text=data, send_at=sendDate, by_timezone=True, validity=validity)

    @rpc(Unicode, SmsMessage, _returns=ArrayOfString, **_result("SendMessage"))
    def SendMessage(ctx, sessionID, message):
        return ops.send_message(ctx.udc, BySession(sessionID), message)

    @rpc(Unicode, Unicode, ArrayOfString, Unicode, DateTime, Integer32, _returns=ArrayOfString,
         **_result("SendMessageByTimeZoneToAddresses"))
    def SendMessageByTimeZoneToAddresses(ctx, sessionID, sourceAddress, destinationAddresses, data, sendDate,
                                         validity):
        return ops.send(ctx.udc, BySession(sessionID), source=sourceAddress,
                        destinations=destinationAddresses.string if destinationAddresses else None,
                        text=data, send_at=sendDate, by_timezone=True, validity=validity)

    @rpc(Unicode, Unicode, _returns=MessageState, **_result("GetMessageState"))
    def GetMessageState(ctx, sessionID, messageID):
        return ops.message_state(ctx.udc, BySession(sessionID), messageID)

    # `sessionId` with a lower-case d: documented so in every source (soap.md §10.5 #9).
    @rpc(Unicode, DateTime, DateTime, _returns=Statistics, **_result("GetStatistics"))
    def GetStatistics(ctx, sessionId, startDateTime, endDateTime):
        return ops.statistics(ctx.udc, BySession(sessionId), startDateTime, endDateTime)

    @rpc(Unicode, DateTime, DateTime, _returns=ArrayOfIncomingMessage, **_result("GetIncomingMessages"))
    def GetIncomingMessages(ctx, sessionID, maxDateUTC, minDateUTC):
        return ops.incoming(ctx.udc, BySession(sessionID), maxDateUTC, minDateUTC)


class SmsServiceV2(ServiceBase):
    """SmsServicev2.asmx: login and password in every call, no GetSessionID."""

    @rpc(Unicode, Unicode, _returns=Decimal(min_occurs=1), **_result("GetBalance"))
    def GetBalance(ctx, login, password):
        return ops.balance(ctx.udc, ByLogin(login, password))

    @rpc(Unicode, Unicode, Unicode, Unicode, Unicode, DateTime, Integer32, _returns=ArrayOfString,
         **_result("SendMessageByTimeZone"))
    def SendMessageByTimeZone(ctx, login, password, sourceAddress, destinationAddress, data, sendDate, validity):
        return ops.send(ctx.udc, ByLogin(login, password), source=sourceAddress, destinations=[destinationAddress],
                        text=data, send_at=sendDate, by_timezone=True, validity=validity)

    @rpc(Unicode, Unicode, SmsMessage, _returns=ArrayOfString, **_result("SendMessage"))
    def SendMessage(ctx, login, password, message):
        return ops.send_message(ctx.udc, ByLogin(login, password), message)

    # The WSDL declares the v1 element names; normalize.py also takes the documented v2
    # spelling (DestinationAddresses, Validity, no sendDate), soap.md §10.5 #3.
    @rpc(Unicode, Unicode, Unicode, ArrayOfString, Unicode, DateTime, Integer32, _returns=ArrayOfString,
         **_result("SendMessageByTimeZoneToAddresses"))
    def SendMessageByTimeZoneToAddresses(ctx, login, password, sourceAddress, destinationAddresses, data, sendDate,
                                         validity):
        return ops.send(ctx.udc, ByLogin(login, password), source=sourceAddress,
                        destinations=destinationAddresses.string if destinationAddresses else None,
                        text=data, send_at=sendDate, by_timezone=True, validity=validity)

    @rpc(Unicode, Unicode, Unicode, _returns=MessageState, **_result("GetMessageState"))
    def GetMessageState(ctx, login, password, messageID):
        return ops.message_state(ctx.udc, ByLogin(login, password), messageID)

    @rpc(Unicode, Unicode, DateTime, DateTime, _returns=Statistics, **_result("GetStatistics"))
    def GetStatistics(ctx, login, password, startDateTime, endDateTime):
        return ops.statistics(ctx.udc, ByLogin(login, password), startDateTime, endDateTime)

    @rpc(Unicode, Unicode, DateTime, DateTime, _returns=ArrayOfIncomingMessage, **_result("GetIncomingMessages"))
    def GetIncomingMessages(ctx, login, password, maxDateUTC, minDateUTC):
        return ops.incoming(ctx.udc, ByLogin(login, password), maxDateUTC, minDateUTC)


# The Viber services (soap.md §6, §7). SendMessageWithResend answers in `SendMessageResult`, not
# `SendMessageWithResendResult`: an ASP.NET overload published under another MessageName
# (soap.md §6.2, §10.5 #10). `messageID` is an xs:long as in the examples (§10.5 #6).

class ViberServiceV1(ServiceBase):
    """ViberService.asmx: session ids from either GetSessionID (this one is undocumented but
    harmless, soap.md §10.5 #21), or from SmsService.asmx and REST."""

    @rpc(Unicode, Unicode, _returns=Unicode, **_result("GetSessionID"))
    def GetSessionID(ctx, login, password):
        return ops.open_session(ctx.udc, login, password)

    @rpc(Unicode, ViberMessage, _returns=ArrayOfString, **_result("SendMessage"))
    def SendMessage(ctx, sessionID, message):
        return ops.send_viber(ctx.udc, BySession(sessionID), message, resend=False)

    @rpc(Unicode, ViberMessage, _returns=ArrayOfString, **_result("SendMessage"))
    def SendMessageWithResend(ctx, sessionID, message):
        return ops.send_viber(ctx.udc, BySession(sessionID), message, resend=True)

    @rpc(Unicode, Integer64, _returns=ViberMessageStateInfo, **_result("GetMessageState"))
    def GetMessageState(ctx, sessionID, messageID):
        return ops.viber_state(ctx.udc, BySession(sessionID), messageID)


class ViberServiceV2(ServiceBase):
    """ViberServiceV2.asmx: login and password in every call."""

    @rpc(Unicode, Unicode, ViberMessage, _returns=ArrayOfString, **_result("SendMessage"))
    def SendMessage(ctx, login, password, message):
        return ops.send_viber(ctx.udc, ByLogin(login, password), message, resend=False)

    @rpc(Unicode, Unicode, ViberMessage, _returns=ArrayOfString, **_result("SendMessage"))
    def SendMessageWithResend(ctx, login, password, message):
        return ops.send_viber(ctx.udc, ByLogin(login, password), message, resend=True)

    @rpc(Unicode, Unicode, Integer64, _returns=ViberMessageStateInfo, **_result("GetMessageState"))
    def GetMessageState(ctx, login, password, messageID):
        return ops.viber_state(ctx.udc, ByLogin(login, password), messageID)
