"""The one source of time: real UTC time plus an offset the control API can advance, or held
still at one instant (frozen). The offset and the frozen instant are values in the store, so a
restarted emulator keeps its virtual time."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import NewType

# The dates the platform may name. The real platform keeps them in SQL Server `datetime`
# (1753-01-01 … 9999-12-31); the last year is left out so that a UTC offset, a time zone or a
# validity added to a date can never leave Python's range (year 9999 overflows). Wall-clock
# readings (naive); the instants they stand for lie within FIRST_INSTANT..LAST_INSTANT.
EARLIEST = datetime(1753, 1, 1)
LATEST = datetime(9998, 12, 31, 23, 59, 59, 999999)
MAX_UTC_OFFSET = timedelta(hours=14)  # the widest UTC offset in use (Line Islands, +14:00)
FIRST_INSTANT = (EARLIEST - MAX_UTC_OFFSET).replace(tzinfo=timezone.utc)
LAST_INSTANT = (LATEST + MAX_UTC_OFFSET).replace(tzinfo=timezone.utc)
# An instant kept as seconds since the epoch (a 2FA code's lifetime, a frozen clock).
Timestamp = NewType("Timestamp", float)

MAX_ADVANCE = 100 * 365 * 86400.0  # one step
MAX_OFFSET = 1000 * 365 * 86400.0  # in total: every derived date stays far inside datetime's range
OFFSET_KEY = "clock_offset"
FROZEN_KEY = "clock_frozen_at"  # the virtual timestamp the clock stands at, or None: it runs


class Clock:
    def __init__(self, store=None) -> None:
        self._store = store
        self._offset = float(store.value(OFFSET_KEY, 0.0)) if store is not None else 0.0
        frozen = store.value(FROZEN_KEY, None) if store is not None else None
        self._frozen_at: float | None = None if frozen is None else float(frozen)

    def reload(self) -> None:
        """Read the offset and the frozen instant again from the store (a snapshot was loaded)."""
        self.__init__(self._store)  # type: ignore[misc]

    @staticmethod
    def reachable(timestamp: float) -> bool:
        """Whether the clock can stand at `timestamp`: within MAX_OFFSET of real time."""
        return abs(timestamp - time.time()) <= MAX_OFFSET

    def timestamp(self) -> float:
        if self._frozen_at is not None:
            return self._frozen_at
        return time.time() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def freeze(self) -> None:
        """Hold the clock where it stands: nothing moves until advance, set or unfreeze."""
        if self._frozen_at is None:
            self._set_frozen(self.timestamp())

    def unfreeze(self) -> None:
        """Run again from where it stands (the offset takes up the time it was held)."""
        if self._frozen_at is not None:
            offset = self._frozen_at - time.time()
            self._frozen_at = None
            self._set(offset)
            self._set_frozen(None)

    def seconds_until(self, when: datetime) -> float:
        """How far forward `when` is; ValueError when it lies in the past (the clock never goes back)."""
        seconds = when.timestamp() - self.timestamp()
        if seconds < 0:
            raise ValueError(f"the clock never goes back: {when.isoformat()} is {-seconds:.3f} s before now")
        return seconds

    def _set_frozen(self, at: float | None) -> None:
        self._frozen_at = at
        if self._store is not None:
            self._store.set_value(FROZEN_KEY, at)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), tz=timezone.utc)

    def advance(self, seconds: float) -> None:
        if not 0 <= seconds <= MAX_ADVANCE:
            raise ValueError(f"the clock moves forward by 0 to {MAX_ADVANCE:.0f} seconds at a time")
        if self._offset + seconds > MAX_OFFSET:
            raise ValueError(f"the clock stays within {MAX_OFFSET:.0f} seconds of real time in total; "
                             f"it is {self._offset:.0f} ahead now")
        self._set(self._offset + seconds)
        if self._frozen_at is not None:
            self._set_frozen(self._frozen_at + seconds)

    def reset(self) -> None:
        self._set(0.0)
        self._set_frozen(None)

    def _set(self, offset: float) -> None:
        self._offset = offset
        if self._store is not None:
            self._store.set_value(OFFSET_KEY, offset)

    @property
    def offset(self) -> timedelta:
        return timedelta(seconds=self._offset)
