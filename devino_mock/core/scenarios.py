"""Deterministic outcome rules ("magic numbers"): which destination or sender gets which
rejection or final status, and how fast. Rules added at run time win over fixture rules."""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass

from devino_mock.core.errors import REJECTIONS
from devino_mock.core.messages import SMS_FINAL, STATUS_BY_NAME

DEFAULT_SUBMIT_DELAY = 1.0  # seconds from the send instant to "sent"
DEFAULT_DELIVERY_DELAY = 2.0  # seconds from "sent" to the final report
MAX_DELAY = 10 * 365 * 86400.0


@dataclass(frozen=True)
class Outcome:
    final_status: int | None = 0  # None: never reported, so the message expires
    submit_delay: float = DEFAULT_SUBMIT_DELAY
    delivery_delay: float = DEFAULT_DELIVERY_DELAY
    reject: str | None = None  # a domain error kind, raised when the send is validated


DELIVERED = Outcome()


@dataclass(frozen=True)
class Rule:
    destination: str | None = None  # exact number or a glob such as 7999000004?
    source: str | None = None
    channel: str | None = None
    login: str | None = None
    outcome: Outcome = DELIVERED
    description: str = ""

    @property
    def exact_destination(self) -> str | None:
        """The one number this rule is about, when it has no wildcard."""
        if self.destination and not any(c in self.destination for c in "*?["):
            return self.destination
        return None

    def matches(self, *, channel: str, login: str, source: str, destination: str) -> bool:
        if self.destination and not fnmatch.fnmatchcase(destination, self.destination):
            return False
        if self.channel and self.channel != channel:
            return False
        if self.login and self.login != login:
            return False
        if self.source and not fnmatch.fnmatchcase(source.casefold(), self.source.casefold()):
            return False
        return True

    @classmethod
    def from_dict(cls, data: dict) -> "Rule":
        if not isinstance(data, dict):
            raise ValueError("a rule is an object")
        if not any(data.get(k) for k in ("destination", "source", "login")):
            raise ValueError("a rule needs 'destination', 'source' or 'login'")
        reject = data.get("reject")
        if reject is not None and reject not in REJECTIONS:
            raise ValueError(f"unknown 'reject' {reject!r}; one of {sorted(REJECTIONS)}")
        status = data.get("status", data.get("final_status", 0))
        if isinstance(status, str) and status not in ("never",):
            if status not in STATUS_BY_NAME:
                raise ValueError(f"unknown status {status!r}")
            status = STATUS_BY_NAME[status]
        if status == "never":
            status = None
        if status is not None and status not in SMS_FINAL:
            raise ValueError(f"status {status!r} is not a final SMS status {sorted(SMS_FINAL)}")
        submit_delay = data.get("submit_delay", DEFAULT_SUBMIT_DELAY)
        try:
            outcome = Outcome(
                final_status=status,
                # "never": the message stays queued until its validity ends
                submit_delay=math.inf if submit_delay == "never" else float(submit_delay),
                delivery_delay=float(data.get("delivery_delay", DEFAULT_DELIVERY_DELAY)),
                reject=reject,
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"bad delay: {exc}") from exc
        submit_ok = math.isinf(outcome.submit_delay) or 0 <= outcome.submit_delay <= MAX_DELAY
        if not submit_ok or not 0 <= outcome.delivery_delay <= MAX_DELAY:
            raise ValueError(f"delays are seconds from 0 to {MAX_DELAY:.0f} (submit_delay may be \"never\")")
        return cls(
            destination=data.get("destination"),
            source=data.get("source"),
            channel=data.get("channel"),
            login=data.get("login"),
            outcome=outcome,
            description=str(data.get("description", "")),
        )

    def to_dict(self) -> dict:
        out: dict = {k: v for k, v in (("destination", self.destination), ("source", self.source),
                                        ("channel", self.channel), ("login", self.login)) if v}
        o = self.outcome
        if o.reject:
            out["reject"] = o.reject
        else:
            out["status"] = "never" if o.final_status is None else o.final_status
            out["submit_delay"] = "never" if math.isinf(o.submit_delay) else o.submit_delay
            out["delivery_delay"] = o.delivery_delay
        if self.description:
            out["description"] = self.description
        return out


class Scenarios:
    def __init__(self, fixture_rules: list[Rule]) -> None:
        self._fixture = list(fixture_rules)
        self._runtime: list[Rule] = []
        self._reindex()

    def add(self, rule: Rule) -> None:
        self._runtime.insert(0, rule)
        self._reindex()

    def clear_runtime(self) -> None:
        self._runtime.clear()
        self._reindex()

    def rules(self) -> list[Rule]:
        return self._runtime + self._fixture

    def _reindex(self) -> None:
        # Most rules name one number: look those up by number, scan only the rest, and keep
        # the order of precedence by remembering each rule's position.
        self._by_number: dict[str, list[tuple[int, Rule]]] = {}
        self._scanned: list[tuple[int, Rule]] = []
        for position, rule in enumerate(self.rules()):
            number = rule.exact_destination
            if number:
                self._by_number.setdefault(number, []).append((position, rule))
            else:
                self._scanned.append((position, rule))

    def outcome(self, *, channel: str, login: str, source: str, destination: str) -> Outcome:
        candidates = self._by_number.get(destination, [])
        if self._scanned:
            candidates = sorted(candidates + self._scanned, key=lambda item: item[0])
        for _, rule in candidates:
            if rule.matches(channel=channel, login=login, source=source, destination=destination):
                return rule.outcome
        return DELIVERED
