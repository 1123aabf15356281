"""Accounts (credentials, balance, tariffs, senders) and REST sessions."""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from devino_mock.core.numbers import longest_prefix

SESSION_LIFETIME = timedelta(minutes=120)
SESSION_ALPHABET = string.ascii_uppercase + string.digits
SESSION_RE = re.compile(r"^[0-9A-Za-z]{36}$")
DEFAULT_PRICE = Decimal("1.00")

# "не более 11 латинских символов или 15 цифр" (http-rest.md §1.10, §7.16 item 15).
ALPHA_SENDER_RE = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ._\-!&'\"+,:;?@#$%*()/<>=]{1,11}$")
DIGIT_SENDER_RE = re.compile(r"^\+?[0-9]{1,15}$")


def to_money(value: object) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


@dataclass
class Account:
    login: str
    password: str
    balance: Decimal = Decimal("1000.00")
    senders: list[str] = field(default_factory=list)  # empty: any well-formed sender
    tariffs: dict[str, Decimal] = field(default_factory=dict)  # number prefix -> price per segment
    enabled: bool = True
    incoming_numbers: list[str] = field(default_factory=list)
    email_senders: list[str] = field(default_factory=list)  # confirmed From addresses; empty: any valid one

    def price_for(self, number: str | None) -> Decimal:
        if number:
            price = longest_prefix(number, self.tariffs)
            if price is not None:
                return price  # type: ignore[return-value]
        return self.tariffs.get("", DEFAULT_PRICE)

    def sender_allowed(self, source: str) -> bool:
        if not (ALPHA_SENDER_RE.match(source) or DIGIT_SENDER_RE.match(source)):
            return False
        if not self.senders:
            return True
        wanted = source.casefold()
        return any(s.casefold() == wanted for s in self.senders)

    def email_sender_allowed(self, address: str) -> bool:
        if not self.email_senders:
            return True
        wanted = address.casefold()
        return any(s.casefold() == wanted for s in self.email_senders)

    @classmethod
    def from_dict(cls, data: dict) -> "Account":
        login = str(data.get("login") or "").strip()
        password = data.get("password")
        if not login or password is None or password == "":
            raise ValueError("an account needs 'login' and 'password'")
        senders = data.get("senders") or data.get("allowed_senders") or []
        if not isinstance(senders, list):
            raise ValueError("'senders' must be a list")
        tariffs_raw = data.get("tariffs") or {}
        if not isinstance(tariffs_raw, dict):
            raise ValueError("'tariffs' must be an object of prefix -> price")
        incoming = data.get("incoming_numbers") or []
        email_senders = data.get("email_senders") or []
        if not isinstance(email_senders, list):
            raise ValueError("'email_senders' must be a list")
        return cls(
            login=login,
            password=str(password),
            balance=to_money(data.get("balance", "1000.00")),
            senders=[str(s) for s in senders],
            tariffs={str(k): to_money(v) for k, v in tariffs_raw.items()},
            enabled=bool(data.get("enabled", True)),
            incoming_numbers=[str(n) for n in incoming],
            email_senders=[str(a) for a in email_senders],
        )

    def to_dict(self) -> dict:
        return {
            "login": self.login,
            "password": self.password,
            "balance": float(self.balance),
            "senders": list(self.senders),
            "tariffs": {k: float(v) for k, v in self.tariffs.items()},
            "enabled": self.enabled,
            "incoming_numbers": list(self.incoming_numbers),
            "email_senders": list(self.email_senders),
        }


@dataclass
class Session:
    id: str
    login: str
    expires_at: datetime


def new_session_id() -> str:
    return "".join(secrets.choice(SESSION_ALPHABET) for _ in range(36))
