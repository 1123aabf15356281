"""The SOAP yardstick: spyne's own SOAP 1.1 pipeline for the same SendMessage call (same
models, same in-loop driving from aiohttp as the emulator), with a method that returns a
constant id list: no normalising, no ASMX envelope, no platform."""

import sys

from aiohttp import web

import devino_mock.protocols.soap  # noqa: F401  (makes spyne importable on 3.12+)
from devino_mock.protocols.soap.models import NS, ArrayOfString, SmsMessage
from devino_mock.protocols.soap.pipeline import AiohttpMethodContext
from spyne import Application, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.http import HttpBase

IDS = ArrayOfString(string=["579700000000000001"])


class BareService(ServiceBase):
    @rpc(Unicode, Unicode, SmsMessage, _returns=ArrayOfString, _out_variable_name="SendMessageResult")
    def SendMessage(ctx, login, password, message):
        return IDS


server = HttpBase(Application([BareService], tns=NS, name="SmsServicev2",
                              in_protocol=Soap11(validator="soft"), out_protocol=Soap11()))


async def handle(request: web.Request) -> web.Response:
    ctx = AiohttpMethodContext(server, request, server.app.out_protocol.mime_type)
    ctx.in_string = [await request.read()]
    p_ctx = server.generate_contexts(ctx)[0]
    server.get_in_object(p_ctx)
    server.get_out_object(p_ctx)
    server.get_out_string(p_ctx)
    p_ctx.close()
    status = 500 if p_ctx.out_error else 200
    return web.Response(body=b"".join(p_ctx.out_string), status=status, content_type="text/xml", charset="utf-8")


app = web.Application()
app.router.add_route("POST", "/{tail:.*}", handle)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=lambda *_: print("ready", flush=True), access_log=None)
