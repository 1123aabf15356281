"""Platform state behind one interface (base.Store); in memory by default."""

from devino_mock.core.store.base import Store, StoreError
from devino_mock.core.store.memory import MemoryStore


def open_store(data_dir: str | None, max_messages: int | None = None) -> Store:
    """SQLite in `data_dir` when one is given, else memory."""
    if data_dir:
        from devino_mock.core.store.sqlite import SqliteStore

        return SqliteStore(data_dir, max_messages)
    return MemoryStore(max_messages)


__all__ = ["MemoryStore", "Store", "StoreError", "open_store"]
