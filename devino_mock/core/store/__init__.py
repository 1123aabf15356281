"""Platform state behind one interface (base.Store); in memory by default."""

from devino_mock.core.store.base import Store
from devino_mock.core.store.memory import MemoryStore

__all__ = ["MemoryStore", "Store"]
