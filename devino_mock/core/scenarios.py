"""Deterministic outcome rules ("magic numbers"): which destination, sender or account gets
which rejection or final status on which channel, and how fast (mock-interface.md §8). Rules
added at run time (kept in the store) win over fixture rules."""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass, replace

from devino_mock.core.channels import CHANNELS, channel as channel_named
from devino_mock.core.errors import REJECTIONS

DEFAULT_SUBMIT_DELAY = 1.0  # seconds from the send instant to "sent"
DEFAULT_DELIVERY_DELAY = 2.0  # seconds from "sent" to the final report
MAX_DELAY = 10 * 365 * 86400.0
MAX_PATTERN = 256
NEVER = "never"
TEXT_FIELDS = ("destination", "source", "login", "description")
KNOWN_FIELDS = {"id", "channel", "status", "final_status", "error", "reject", "submit_delay", "delivery_delay",
                *TEXT_FIELDS}


@dataclass(frozen=True)
class Outcome:
    status: str | None  # a final status of the channel; None: never reported, so it expires
    error: str | None = None  # the reason that final status carries
    submit_delay: float = DEFAULT_SUBMIT_DELAY
    delivery_delay: float = DEFAULT_DELIVERY_DELAY
    reject: str | None = None  # a domain error kind, raised when the send is validated

    def with_status(self, status: str | None) -> "Outcome":
        return replace(self, status=status)


def default_outcome(channel: str) -> Outcome:
    return Outcome(CHANNELS[channel].default_final)


@dataclass(frozen=True)
class Rule:
    channel: str = "sms"
    destination: str | None = None  # exact number or address, or a glob such as 7999000004?
    source: str | None = None  # a sender, subject or glob
    login: str | None = None
    outcome: Outcome = Outcome("delivered")
    description: str = ""
    id: str = ""

    @property
    def exact_destination(self) -> str | None:
        """The one number this rule is about, when it has no wildcard."""
        if self.destination and not any(c in self.destination for c in "*?["):
            return self.destination
        return None

    def matches(self, *, channel: str, login: str, source: str, destination: str) -> bool:
        if self.channel != channel:
            return False
        if self.destination and not fnmatch.fnmatchcase(destination, self.destination):
            return False
        if self.login and self.login != login:
            return False
        if self.source and not fnmatch.fnmatchcase(source.casefold(), self.source.casefold()):
            return False
        return True

    @classmethod
    def from_dict(cls, data: object, rule_id: str = "") -> "Rule":
        """A rule from control input or a fixtures file, checked field by field: nothing that
        could later break a send is kept."""
        if not isinstance(data, dict):
            raise ValueError("a rule is an object")
        unknown = sorted(set(data) - KNOWN_FIELDS)
        if unknown:
            raise ValueError(f"unknown rule fields {unknown}: known are {sorted(KNOWN_FIELDS)}")
        for name in TEXT_FIELDS:
            value = data.get(name)
            if value is not None and (not isinstance(value, str) or len(value) > MAX_PATTERN):
                raise ValueError(f"'{name}' must be a string of at most {MAX_PATTERN} characters")
        if not any(data.get(k) for k in ("destination", "source", "login")):
            raise ValueError("a rule needs 'destination', 'source' or 'login'")
        name = data.get("channel") or "sms"
        if not isinstance(name, str):
            raise ValueError(f"'channel' must be one of {sorted(CHANNELS)}")
        channel = channel_named(name)
        reject = data.get("reject")
        if reject is not None and (not isinstance(reject, str) or reject not in REJECTIONS):
            raise ValueError(f"unknown 'reject' {reject!r}: one of {sorted(REJECTIONS)}")
        raw_status = data.get("status", data.get("final_status"))
        status: str | None
        if raw_status is None:
            status = channel.default_final
        elif raw_status == NEVER:
            status = None
        else:
            if not isinstance(raw_status, (str, int)) or isinstance(raw_status, bool):
                raise ValueError(f"'status' must be a status name"
                                 f"{' or code' if channel.view_code or channel.parse_code else ''}")
            status = channel.parse_status(raw_status)
            if not channel.is_final(status):
                finals = [s for s in channel.names() if channel.is_final(s)]
                raise ValueError(f"status {raw_status!r} is not a final {channel.name} status: one of {finals}"
                                 f" or \"never\"")
        error = channel.parse_error(data["error"]) if data.get("error") is not None else None
        outcome = Outcome(status, error, _delay(data, "submit_delay", DEFAULT_SUBMIT_DELAY, allow_never=True),
                          _delay(data, "delivery_delay", DEFAULT_DELIVERY_DELAY), reject)
        return cls(channel.name, data.get("destination") or None, data.get("source") or None,
                   data.get("login") or None, outcome, data.get("description") or "", rule_id)

    def to_dict(self) -> dict:
        out: dict = {"id": self.id, "channel": self.channel} if self.id else {"channel": self.channel}
        out.update({k: v for k, v in (("destination", self.destination), ("source", self.source),
                                      ("login", self.login)) if v})
        o = self.outcome
        if o.reject:
            out["reject"] = o.reject
        else:
            out["status"] = NEVER if o.status is None else CHANNELS[self.channel].view(o.status)
            if o.error:
                out["error"] = o.error
            out["submit_delay"] = NEVER if math.isinf(o.submit_delay) else o.submit_delay
            out["delivery_delay"] = o.delivery_delay
        if self.description:
            out["description"] = self.description
        return out


def _delay(data: dict, name: str, default: float, allow_never: bool = False) -> float:
    value = data.get(name, default)
    if allow_never and value == NEVER:
        return math.inf  # "never": the message stays queued until its validity ends
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"'{name}' must be a number of seconds")
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"'{name}' must be a number of seconds") from None
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_DELAY:
        never = " or \"never\"" if allow_never else ""
        raise ValueError(f"'{name}' must be seconds from 0 to {MAX_DELAY:.0f}{never}")
    return seconds


class Scenarios:
    """Fixture rules and the store's run-time rules, indexed for the send path."""

    def __init__(self, fixture_rules: list[Rule], store) -> None:
        self._fixture = [replace(r, id=r.id or f"f{i}") for i, r in enumerate(fixture_rules, 1)]
        self._store = store
        # Platform state that decides an outcome before any rule (a service's suppression
        # list: an unsubscribed e-mail recipient is rejected). Each is called with the
        # outcome() arguments and answers an Outcome or None.
        self.overrides: list = []
        self.reindex()

    def add(self, rule: Rule) -> Rule:
        [number] = self._store.next_ids("rule", 1, 1)
        rule = replace(rule, id=f"r{number}")
        self._store.add_rule(rule.to_dict())
        self.reindex()
        return rule

    def remove(self, rule_id: str) -> bool:
        removed = self._store.delete_rule(rule_id)
        self.reindex()
        return removed

    def clear_runtime(self) -> None:
        for rule in self._runtime:
            self._store.delete_rule(rule.id)
        self.reindex()

    def rules(self) -> list[Rule]:
        return self._runtime + self._fixture

    def reindex(self) -> None:
        """Read the run-time rules from the store and index them. Most rules name one number:
        look those up by number, scan only the rest, keeping precedence by position."""
        self._runtime = [Rule.from_dict({k: v for k, v in d.items() if k != "id"}, d["id"])
                         for d in self._store.rules()]
        self._by_number: dict[str, list[tuple[int, Rule]]] = {}
        self._scanned: dict[str, list[tuple[int, Rule]]] = {}  # by channel
        for position, rule in enumerate(self.rules()):
            number = rule.exact_destination
            if number:
                self._by_number.setdefault(number, []).append((position, rule))
            else:
                self._scanned.setdefault(rule.channel, []).append((position, rule))

    def outcome(self, *, channel: str, login: str, source: str, destination: str) -> Outcome:
        for override in self.overrides:
            decided = override(channel=channel, login=login, source=source, destination=destination)
            if decided is not None:
                return decided
        candidates = self._by_number.get(destination)
        scanned = self._scanned.get(channel)
        if candidates is None:
            candidates = scanned or ()  # kept in position order already
        elif scanned:
            candidates = sorted(candidates + scanned, key=lambda item: item[0])
        for _, rule in candidates:
            if rule.matches(channel=channel, login=login, source=source, destination=destination):
                return rule.outcome
        return default_outcome(channel)
