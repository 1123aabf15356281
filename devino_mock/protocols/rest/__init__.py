"""REST v1 (SessionID, `/rest/…`) and v2 (Login/Password, `/rest/v2/…`), http-rest.md."""

from devino_mock.protocols.rest.routes import register

__all__ = ["register"]
