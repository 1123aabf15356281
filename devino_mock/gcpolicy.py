"""How the emulator's own process uses the cyclic garbage collector. The journal keeps hundreds
of thousands of long-lived records, and CPython's defaults (a young collection every 700 net
allocations, a full one every hundred) make the collector re-traverse them over and over: a
tenth of the CPU under load, and pauses that grow with the journal. None of this applies when
the plugin runs the emulator inside somebody's test process: their collector is theirs."""

from __future__ import annotations

import gc

# Young collections every 10,000 net allocations (a few ms each), older ones a twentieth as
# often: REST Sms/Send under wrk went from 5,795 to 6,771 req/s, the collector's share of the
# time from 0.88 s to 0.28 s in 8 s.
THRESHOLDS = (10_000, 20, 20)

_heap_is_ours = False


def own_the_heap() -> None:
    """The command line's call: this process is the emulator's alone."""
    global _heap_is_ours
    _heap_is_ours = True
    gc.set_threshold(*THRESHOLDS)


def settle() -> None:
    """Move everything alive out of the cyclic collector's way (gc.freeze). A job that stores
    a hundred thousand records would otherwise have every full collection traverse all of
    them again: pauses of hundreds of milliseconds as the heap grows. Frozen objects are
    still freed by reference counting; only cycles among them are not, so this is done at a
    large job's own pace, not for every request."""
    if _heap_is_ours:
        gc.freeze()
