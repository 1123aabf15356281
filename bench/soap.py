"""SOAP benchmark for issue 3: SOAP 1.1 SendMessage requests per second, next to REST v2
Sms/Send and next to spyne's bare pipeline for the same call, in the same run.

* SOAP: `POST /SmsServicev2.asmx` SendMessage (SOAP 1.1, as the PHP cURL client writes it) on
  `python -m devino_mock`: safe parse, normalising, spyne deserialisation, the real send
  (validation, segmentation, charging, scheduling), ASMX-style answer.
* REST: `POST /rest/v2/Sms/Send` with the same text, number and account on the same emulator.
* bare spyne: bench/bare_spyne.py, spyne's own Soap11 pipeline for the same SendMessage
  (same models, same in-loop driving) whose method returns a constant.

    python bench/soap.py [--requests 6000] [--concurrency 32] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request

from common import free_port, hammer, start_yardstick, wait_healthy

ACCOUNT = {"login": "bench", "password": "bench1", "balance": "100000000"}
TEXT, NUMBER, SOURCE = "Benchmark message", "79161234567", "DEVINO"
SOAP_BODY = f"""<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" \
xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <SendMessage xmlns="http://ws.devinosms.com">
      <login>bench</login>
      <password>bench1</password>
      <message>
        <Data>{TEXT}</Data>
        <DestinationAddresses><string>{NUMBER}</string></DestinationAddresses>
        <SourceAddress>{SOURCE}</SourceAddress>
        <ReceiptRequested>true</ReceiptRequested>
      </message>
    </SendMessage>
  </soap:Body>
</soap:Envelope>""".encode()
SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"http://ws.devinosms.com/SendMessage"'}
REST_FORM = {"Login": "bench", "Password": "bench1", "SourceAddress": SOURCE, "DestinationAddress": NUMBER,
             "Data": TEXT}


def start_emulator() -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "devino_mock", "--http-port", str(port), "--smpp-port", "0",
                                "--smtp-port", "0", "--ftp-port", "0", "--log-level", "WARNING"])
    wait_healthy(f"http://127.0.0.1:{port}/_mock/health", time.monotonic() + 30)
    request = urllib.request.Request(f"http://127.0.0.1:{port}/_mock/accounts", method="POST",
                                     data=json.dumps(ACCOUNT).encode(), headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request).close()
    return process, port


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    emulator, port = start_emulator()
    bare, bare_port = start_yardstick("bare_spyne.py")
    loads = {
        "soap": (f"http://127.0.0.1:{port}/SmsServicev2.asmx", b"<SendMessageResult><string>",
                 {"data": SOAP_BODY, "headers": SOAP_HEADERS}),
        "rest": (f"http://127.0.0.1:{port}/rest/v2/Sms/Send", b'["', {"data": REST_FORM}),
        "bare": (f"http://127.0.0.1:{bare_port}/SmsServicev2.asmx", b"SendMessageResult>",
                 {"data": SOAP_BODY, "headers": SOAP_HEADERS}),
    }
    best = {name: 0.0 for name in loads}
    try:
        for _ in range(args.rounds):  # interleaved, so drift in machine load hits every side
            for name, (url, expect, request) in loads.items():
                rate = asyncio.run(hammer(url, args.requests, args.concurrency, expect, **request))
                best[name] = max(best[name], rate)
    finally:
        for process in (emulator, bare):
            process.terminate()
            process.wait()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.concurrency} concurrent clients, "
          f"{args.requests} requests per round, best of {args.rounds} rounds")
    print(f"SOAP 1.1 SendMessage (SmsServicev2.asmx): {best['soap']:8,.0f} req/s")
    print(f"REST v2 Sms/Send:                         {best['rest']:8,.0f} req/s")
    print(f"spyne bare pipeline, same SendMessage:    {best['bare']:8,.0f} req/s")
    print(f"ratio SOAP / REST: {best['soap'] / best['rest']:.2f}   "
          f"SOAP / bare spyne: {best['soap'] / best['bare']:.2f}")


if __name__ == "__main__":
    main()
