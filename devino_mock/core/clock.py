"""The one source of time: real UTC time plus an offset the control API can advance. The offset
is a value in the store, so a restarted emulator keeps its virtual time."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

MAX_ADVANCE = 100 * 365 * 86400.0  # one step
MAX_OFFSET = 1000 * 365 * 86400.0  # in total: every derived date stays far inside datetime's range
OFFSET_KEY = "clock_offset"


class Clock:
    def __init__(self, store=None) -> None:
        self._store = store
        self._offset = float(store.value(OFFSET_KEY, 0.0)) if store is not None else 0.0

    def timestamp(self) -> float:
        return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), tz=timezone.utc)

    def advance(self, seconds: float) -> None:
        if not 0 <= seconds <= MAX_ADVANCE:
            raise ValueError(f"the clock moves forward by 0 to {MAX_ADVANCE:.0f} seconds at a time")
        if self._offset + seconds > MAX_OFFSET:
            raise ValueError(f"the clock stays within {MAX_OFFSET:.0f} seconds of real time in total; "
                             f"it is {self._offset:.0f} ahead now")
        self._set(self._offset + seconds)

    def reset(self) -> None:
        self._set(0.0)

    def _set(self, offset: float) -> None:
        self._offset = offset
        if self._store is not None:
            self._store.set_value(OFFSET_KEY, offset)

    @property
    def offset(self) -> timedelta:
        return timedelta(seconds=self._offset)
