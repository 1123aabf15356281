"""The one source of time: real UTC time plus an offset the control API can advance."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone


class Clock:
    def __init__(self) -> None:
        self._offset = 0.0

    def timestamp(self) -> float:
        return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), tz=timezone.utc)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds

    def reset(self) -> None:
        self._offset = 0.0

    @property
    def offset(self) -> timedelta:
        return timedelta(seconds=self._offset)
