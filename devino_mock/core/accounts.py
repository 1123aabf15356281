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


MAX_MONEY = Decimal("1000000000000")  # a trillion: beyond any balance, and far from Decimal's limits
CALLBACK_KINDS = ("viber_status", "viber_incoming", "vk_status", "email", "sms_incoming")
MAX_URL = 2048


def to_money(value: object) -> Decimal:
    """An amount from control input: a finite number (or numeric string) within ±MAX_MONEY."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError(f"not an amount: {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite() or abs(amount) > MAX_MONEY:
        raise ValueError(f"not an amount: {value!r} (a finite number within ±{MAX_MONEY})")
    return amount.quantize(Decimal("0.01"))


def _strings(data: dict, name: str) -> list[str]:
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        raise ValueError(f"'{name}' must be a list of strings")
    return [str(v) for v in value]


def _channel_name(name: object) -> str:
    from devino_mock.core.channels import CHANNELS

    if name not in CHANNELS or name == "sms":
        raise ValueError(f"'prices' names a channel other than sms (SMS uses 'tariffs'): one of "
                         f"{sorted(set(CHANNELS) - {'sms'})}")
    return str(name)


def _callbacks(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"'callbacks' must be an object of {list(CALLBACK_KINDS)} -> URL")
    out = {}
    for kind, url in value.items():
        if kind not in CALLBACK_KINDS:
            raise ValueError(f"unknown callback {kind!r}: one of {list(CALLBACK_KINDS)}")
        if url is None:
            continue  # null removes one
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > MAX_URL:
            raise ValueError(f"callback {kind!r} must be an http:// or https:// URL")
        out[kind] = url
    return out


CALLBACK_FORMATS = ("json", "xml")


def _callback_formats(value: object) -> dict[str, str]:
    """Per callback kind, the body format where a surface documents more than one (e-mail:
    JSON or XML, email-http.md §6.1); absent: the surface's default."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(k in CALLBACK_KINDS and v in CALLBACK_FORMATS for k, v in value.items()):
        raise ValueError(f"'callback_formats' must be an object of {list(CALLBACK_KINDS)} -> one of {list(CALLBACK_FORMATS)}")
    return dict(value)


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
    callbacks: dict[str, str] = field(default_factory=dict)  # callback kind -> the client's URL
    prices: dict[str, Decimal] = field(default_factory=dict)  # channel -> price per message (not SMS)
    callback_formats: dict[str, str] = field(default_factory=dict)  # callback kind -> "json" | "xml"

    def price_for(self, number: str | None, channel=None) -> Decimal:
        """The price of one segment (SMS, by number prefix) or one message of another channel."""
        if channel is not None and channel.name != "sms":
            return self.prices.get(channel.name, channel.default_price)
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
    def from_dict(cls, data: object) -> "Account":
        if not isinstance(data, dict):
            raise ValueError("an account is an object")
        login, password = data.get("login"), data.get("password")
        if not isinstance(login, str) or not login.strip() or not isinstance(password, (str, int)) \
                or isinstance(password, bool) or password == "":
            raise ValueError("an account needs 'login' and 'password' (strings)")
        if len(login) > 128 or len(str(password)) > 128:
            raise ValueError("'login' and 'password' are at most 128 characters")
        senders = _strings(data, "senders") or _strings(data, "allowed_senders")
        tariffs_raw = data.get("tariffs") or {}
        if not isinstance(tariffs_raw, dict):
            raise ValueError("'tariffs' must be an object of prefix -> price")
        prices_raw = data.get("prices") or {}
        if not isinstance(prices_raw, dict):
            raise ValueError("'prices' must be an object of channel -> price")
        enabled = data.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ValueError("'enabled' must be true or false")
        return cls(
            login=login.strip(),
            password=str(password),
            balance=to_money(data.get("balance", "1000.00")),
            senders=senders,
            tariffs={str(k): to_money(v) for k, v in tariffs_raw.items()},
            enabled=enabled,
            incoming_numbers=_strings(data, "incoming_numbers"),
            email_senders=_strings(data, "email_senders"),
            callbacks=_callbacks(data.get("callbacks")),
            prices={_channel_name(k): to_money(v) for k, v in prices_raw.items()},
            callback_formats=_callback_formats(data.get("callback_formats")),
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
            "callbacks": dict(self.callbacks),
            "prices": {k: float(v) for k, v in self.prices.items()},
            "callback_formats": dict(self.callback_formats),
        }


@dataclass
class Session:
    id: str
    login: str
    expires_at: datetime


def new_session_id() -> str:
    return "".join(secrets.choice(SESSION_ALPHABET) for _ in range(36))
