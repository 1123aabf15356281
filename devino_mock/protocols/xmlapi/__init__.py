"""XML API `Send.ashx` / `Statistics.ashx` (xml-api.md) on the shared HTTP port."""

from devino_mock.protocols.xmlapi.routes import register

__all__ = ["register"]
