"""The Viber HTTP API (viber.md): `/send`, `/status`, and the callbacks it pushes."""

from devino_mock.protocols.viber.routes import register

__all__ = ["register"]
