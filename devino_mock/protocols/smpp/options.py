"""What support arranges per account for SMPP (smpp.md §17.1 items 2 and 11): whether the account
may use SMPP at all ("SMPP must be enabled per account"), a submit rate for the account as a
whole (ESME_RTHROTTLED, "per-account TPS limit") and its own session cap. Steered through
`/_mock/smpp/accounts/{login}` (protocols/per_account.py)."""

from __future__ import annotations

from dataclasses import dataclass

from devino_mock.core.platform import Platform
from devino_mock.protocols.per_account import PerAccount, check_known


@dataclass
class AccountOptions:
    enabled: bool = True  # False: every bind answers ESME_RBINDFAIL (0x0D)
    throttle: float = 0.0  # submit_sm/data_sm per second over all the account's sessions; 0: no account limit
    max_sessions: int | None = None  # bound sessions; None: --smpp-max-sessions

    def update(self, values: dict) -> None:
        check_known(self, values)
        if "enabled" in values:
            if not isinstance(values["enabled"], bool):
                raise ValueError("enabled: true or false")
            self.enabled = values["enabled"]
        if "throttle" in values:
            value = values["throttle"]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
                raise ValueError("throttle: a number of submits per second, 0 for no account limit")
            self.throttle = float(value)
        if "max_sessions" in values:
            value = values["max_sessions"]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError("max_sessions: a whole number of at least 1, or null")
            self.max_sessions = value


def smpp_options(platform: Platform) -> PerAccount[AccountOptions]:
    return PerAccount(platform, "smpp.options", AccountOptions)
