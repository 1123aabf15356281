"""The emulator's own control API under `/_mock/` (mock-interface.md §4)."""
