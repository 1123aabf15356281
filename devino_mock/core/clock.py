"""The one source of time: real UTC time plus an offset the control API can advance."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone


MAX_ADVANCE = 100 * 365 * 86400.0  # keeps every derived date inside datetime's range


class Clock:
    def __init__(self) -> None:
        self._offset = 0.0

    def timestamp(self) -> float:
        return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), tz=timezone.utc)

    def advance(self, seconds: float) -> None:
        if not 0 <= seconds <= MAX_ADVANCE:
            raise ValueError(f"the clock moves forward by 0 to {MAX_ADVANCE:.0f} seconds at a time")
        self._offset += seconds

    def reset(self) -> None:
        self._offset = 0.0

    @property
    def offset(self) -> timedelta:
        return timedelta(seconds=self._offset)
