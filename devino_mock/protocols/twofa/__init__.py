"""The 2FA (phone verification) service: POST /GenerateCode and /CheckCode (twofa.md)."""

from devino_mock.protocols.twofa.faults import control
from devino_mock.protocols.twofa.routes import register

__all__ = ["control", "register"]
