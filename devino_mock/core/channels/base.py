"""What a channel is: its status vocabulary (names, per-API codes and texts), which statuses
are final, how a rule's outcome becomes a plan on the clock, the errors a message can end with,
and what a fallback from it looks like. The core knows channels only through this."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Callable, Iterable, NamedTuple

if TYPE_CHECKING:
    from devino_mock.core.records import Message
    from devino_mock.core.scenarios import Outcome


class Step(NamedTuple):
    """One status of a message at one instant, with the error it carries (if any)."""

    at: datetime
    status: str
    error: str | None = None


@dataclass(frozen=True)
class Status:
    name: str  # the status everywhere inside the emulator and in the control API
    text: str = ""  # the documented description
    final: bool = False
    codes: dict[str, object] = field(default_factory=dict)  # per API: the value that API shows


@dataclass(frozen=True)
class SendingSpec:
    """How the one send pipeline treats a channel's requests."""

    required: tuple[str, ...]  # of "destination", "text", "source": missing -> MissingArgument
    address: Callable[[str | None], str | None]  # a recipient in canonical form, None when invalid
    segment: Callable[[object], object]  # SendRequest -> text.Segmentation (parts billed and given ids)
    sender_allowed: Callable[[object, str], bool]  # (account, source)
    source: Callable[[str], str] = str  # the sender as stored
    max_text: int | None = None
    default_validity: timedelta = timedelta(minutes=2880)
    max_validity: timedelta = timedelta(minutes=2880)

    def validity(self, request) -> timedelta:
        """Absent, 0 or negative: the default; longer than the longest: capped to it."""
        if request.validity_seconds is not None and request.validity_seconds > 0:
            asked = timedelta(seconds=request.validity_seconds)
        elif request.validity_minutes is not None and request.validity_minutes > 0:
            asked = timedelta(minutes=min(request.validity_minutes, 10**7))
        else:
            asked = self.default_validity
        return min(asked, self.max_validity)


@dataclass(frozen=True)
class Channel:
    name: str
    statuses: tuple[Status, ...]
    initial: str
    default_final: str  # the status a message ends in when no rule says otherwise
    expired: str  # the status a message gets when its validity ends without a final status
    sent: str  # the status that marks hand-over to the network (submitted_at)
    planner: Callable[["Channel", "Message", "Outcome"], list[Step]]
    id_sequence: str  # which id sequence its messages draw from
    sending: SendingSpec
    default_price: Decimal = Decimal("1.00")
    errors: frozenset[str] = frozenset()  # documented reasons a message can end with
    error_aliases: dict[str, str] = field(default_factory=dict)  # other spellings -> canonical
    default_errors: dict[str, str] = field(default_factory=dict)  # status -> error when none given
    rule_statuses: frozenset[str] = frozenset()  # finals a rule may ask for (default: every final)
    view_code: str | None = None  # the API whose code the control API shows as `status`
    # The API whose codes a rule or a person may also name a status by, when the control API
    # shows names (HLR: "available" or its StateCode 1); defaults to view_code.
    parse_code: str | None = None
    fallback_on: frozenset[str] = frozenset()  # statuses that start the next stage of a chain
    # The reason a message carries when its validity ends unreported, when the expired status
    # is also a status rules may ask for with other reasons (e-mail: Bounced, message-expired).
    expired_error: str | None = None
    label: str = ""  # how people call it ("e-mail"); the name when empty
    # Limits that depend on the channel's other messages (VK: so many a day per recipient, so
    # many a second per sender): (channel, new message, its outcome, the channel's earlier
    # messages) -> the outcome to plan with. None: every message is planned on its own.
    limits: Callable[["Channel", "Message", "Outcome", Iterable["Message"]], "Outcome"] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {s.name: s for s in self.statuses})
        by_code: dict[tuple[str, object], str] = {}
        for s in self.statuses:
            for api, code in s.codes.items():
                by_code.setdefault((api, code), s.name)
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "finals", frozenset(s.name for s in self.statuses if s.final))

    # --- the vocabulary ------------------------------------------------------------

    def status(self, name: str) -> Status:
        return self._by_name[name]  # type: ignore[attr-defined]

    def knows(self, name: str) -> bool:
        return name in self._by_name  # type: ignore[attr-defined]

    def is_final(self, name: str) -> bool:
        return name in self.finals  # type: ignore[attr-defined]

    def code(self, name: str, api: str) -> object:
        return self.status(name).codes.get(api)

    def by_code(self, api: str, code: object) -> str | None:
        return self._by_code.get((api, code))  # type: ignore[attr-defined]

    def text(self, name: str) -> str:
        return self.status(name).text if self.knows(name) else ""

    def view(self, name: str) -> object:
        """What the control API shows as `status`: SMS keeps its numeric code, other channels
        the lower-case name their own API reports (mock-interface.md §7)."""
        return self.code(name, self.view_code) if self.view_code else name

    def names(self) -> list[str]:
        return [s.name for s in self.statuses]

    def parse_status(self, value: object) -> str:
        """A status named by a person or a test: its name in any letter case, or (for a
        channel with a view or parse code, such as SMS and HLR) its code. ValueError otherwise."""
        api = self.view_code or self.parse_code
        if isinstance(value, str):
            folded = value.strip().casefold()
            for s in self.statuses:
                if s.name.casefold() == folded:
                    return s.name
            if api and folded.lstrip("-").isdigit():
                value = int(folded)
        if api and isinstance(value, int) and not isinstance(value, bool):
            name = self.by_code(api, value)
            if name is not None:
                return name
        codes = f" or a code {sorted(s.codes[api] for s in self.statuses if api in s.codes)}" if api else ""
        raise ValueError(f"unknown {self.label or self.name} status {value!r}: one of {self.names()}{codes}")

    def parse_error(self, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"'error' must be a string: one of {sorted(self.errors)}")
        raw = value.strip()
        canonical = self.error_aliases.get(raw, self.error_aliases.get(raw.casefold(), raw))
        if self.errors and canonical not in self.errors:
            raise ValueError(f"unknown {self.name} error {value!r}: one of {sorted(self.errors)}")
        return canonical

    def plan(self, message: "Message", outcome: "Outcome") -> list[Step]:
        return self.planner(self, message, outcome)


def linear_plan(channel: Channel, message: "Message", outcome: "Outcome",
                after_delivered: tuple[tuple[str, float], ...] = ()) -> list[Step]:
    """initial -> sent -> final, with expiry when no final status comes within validity; the
    shape every channel shares. `after_delivered` adds statuses that follow a delivery
    (Viber's read and visited)."""
    expires = message.expires_at
    expired = Step(expires, channel.expired, channel.expired_error or channel.default_errors.get(channel.expired))
    if math.isinf(outcome.submit_delay):
        return [expired]
    submit = message.send_at + timedelta(seconds=outcome.submit_delay)
    if submit >= expires:
        return [expired]
    final = outcome.status
    plan = [Step(submit, channel.sent)]
    report = submit + timedelta(seconds=outcome.delivery_delay)
    if final is None or final == channel.expired or report >= expires:
        plan.append(expired)
        return plan
    error = outcome.error or channel.default_errors.get(final)
    plan.append(Step(report, final, error))
    at = report
    for status, delay in after_delivered:
        at = at + timedelta(seconds=delay)
        plan.append(Step(at, status))
    return plan
