"""The yardstick: an aiohttp handler that returns a constant body like Sms/Send's."""

import sys

from aiohttp import web

BODY = b'["579700000000000001"]'


async def constant(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=BODY, content_type="application/json")


app = web.Application()
app.router.add_route("*", "/{tail:.*}", constant)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=lambda *_: print("ready", flush=True), access_log=None)
