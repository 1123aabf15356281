"""`python -m devino_mock` with a free core: Platform.send validates and stores the first
request, then answers every later one with that first result, doing nothing else. What this
process reaches under wrk is the ceiling of everything around the core (aiohttp, the
journal, faults, metrics, the REST layer): the best any send path could do on this stack.
A diagnostic for bench/rest.py --free-core, never a way to run the emulator."""

import sys

from devino_mock.cli import main
from devino_mock.core.platform import Platform

_real_send = Platform.send
_first: list = []


def free_send(self, credentials, request):
    if not _first:
        _first.append(_real_send(self, credentials, request))
    return _first[0]


Platform.send = free_send
raise SystemExit(main(sys.argv[1:]))
