"""The SMPP yardstick: an asyncio server that binds anyone and answers every submit_sm with a
constant submit_sm_resp (no store, no receipts). Prints one line when it listens."""

import asyncio
import sys

import smpp_wire as w

MESSAGE_ID = w.cstring("1")


class BareSmsc(asyncio.Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        out = []
        for command_id, _, sequence, _ in w.split(self.buffer):
            if command_id == w.SUBMIT_SM:
                out.append(w.pdu(w.SUBMIT_SM_RESP, sequence, MESSAGE_ID))
            elif command_id == w.BIND_TRANSCEIVER:
                out.append(w.pdu(w.BIND_TRANSCEIVER_RESP, sequence, w.cstring("bare")))
            elif command_id == w.ENQUIRE_LINK:
                out.append(w.pdu(w.ENQUIRE_LINK_RESP, sequence))
            elif command_id == w.UNBIND:
                out.append(w.pdu(w.UNBIND_RESP, sequence))
            elif not command_id & 0x80000000:
                out.append(w.pdu(w.GENERIC_NACK, sequence, status=3))
        if out:
            self.transport.write(b"".join(out))


async def main(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(BareSmsc, "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main(int(sys.argv[1])))
