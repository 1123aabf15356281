"""Accounts (credentials, balance, tariffs, senders) and REST sessions."""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from devino_mock.core.numbers import longest_prefix, normalize

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


MAX_STOP_WORDS, MAX_STOP_WORD = 1000, 100
MAX_APPROVAL_DELAY = 365 * 86_400


def _package(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**9:
        raise ValueError("'email_package' must be a whole number of e-mails from 0 to 10^9, or null for no limit")
    return value


MAX_SPAM_SCORE = 100.0


def _spam_score(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_SPAM_SCORE:
        raise ValueError(f"'email_spam_score' must be a number from 0 to {MAX_SPAM_SCORE:g}")
    return round(float(value), 1)


def _approval_delay(data: dict) -> float | None:
    if "sender_approval_delay" not in data:
        return 0.0
    value = data["sender_approval_delay"]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_APPROVAL_DELAY:
        raise ValueError(f"'sender_approval_delay' must be seconds from 0 to {MAX_APPROVAL_DELAY}, "
                         "or null to approve only when told")
    return float(value)


def _stop_words(data: dict) -> list[str]:
    words = [w.strip() for w in _strings(data, "stop_words")]
    if len(words) > MAX_STOP_WORDS or any(not w or len(w) > MAX_STOP_WORD for w in words):
        raise ValueError(f"'stop_words' holds at most {MAX_STOP_WORDS} words of 1 to {MAX_STOP_WORD} characters")
    return words


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


DIGITS = "0123456789"
IMSI_RE = re.compile(r"^[0-9]{5,15}$")  # MCC+MNC+MSIN: 15 digits by convention; shorter test values allowed
CHECK_MODES = ("check", "always_send", "always_reject")  # imsi.md §5.2 check_mode
LOOKUP_BEHAVIOURS = ("ok", "unavailable", "unsupported_operator", "operator_failure")  # imsi.md §5.2
LOOKUP_ERROR_POLICIES = ("send", "block")  # imsi.md D-3
MAX_LOOKUP_DELAY_MS = 3_600_000
MAX_LOOKUP_RETRIES = 10
MAX_RETRY_SECONDS = 7 * 86400
DEFAULT_SUBSTITUTE_TEXT = "Ваша SIM-карта не прошла проверку, обратитесь в Банк"  # imsi.md §3, D-5
CODE_JSON_TYPES = ("per-endpoint", "string", "number")  # twofa.md §5.1 item 6


def _int_setting(data: dict, name: str, default: int, least: int, most: int) -> int:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise ValueError(f"'twofa.{name}' must be a whole number from {least} to {most}")
    return value


def _text_setting(data: dict, name: str, default: str | None, most: int = 1000) -> str | None:
    value = data.get(name, default)
    if value is None or (value == "" and default is None):
        return None
    if not isinstance(value, str) or not value or len(value) > most:
        raise ValueError(f"'{name}' must be a non-empty string of at most {most} characters")
    return value


@dataclass(frozen=True)
class TwofaSettings:
    """The per-ApiKey settings support makes for the 2FA service (twofa.md §5.2)."""

    code_length: int = 5  # the documented example code "17565"
    code_alphabet: str = DIGITS
    code_ttl_seconds: int = 300
    rate_limit_per_minute: int = 10  # per (ApiKey, number) and method; 0: no limit
    rate_limit_per_key_per_minute: int = 600  # per ApiKey and method; 0: no limit
    max_check_attempts: int = 0  # 0: unlimited; N: the (N+1)-th wrong code invalidates the code
    sms_text_template: str = "Ваш код: {code}"
    sms_sender: str = "Devino"
    imsi_check_enabled: bool = False
    fixed_code: str | None = None
    fail_numbers: tuple[str, ...] = ()
    code_json_type: str = "per-endpoint"

    @classmethod
    def from_dict(cls, data: object) -> "TwofaSettings":
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ValueError("'twofa' must be an object of settings")
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown 'twofa' settings {unknown}: known are {sorted(known)}")
        alphabet = data.get("code_alphabet", DIGITS)
        if alphabet == "digits":
            alphabet = DIGITS
        if not isinstance(alphabet, str) or not alphabet or len(alphabet) > 100 or not alphabet.isprintable():
            raise ValueError("'twofa.code_alphabet' must be \"digits\" or a string of the characters to use")
        template = _text_setting(data, "sms_text_template", cls.sms_text_template)
        if "{code}" not in template:  # type: ignore[operator]
            raise ValueError("'twofa.sms_text_template' must contain {code}")
        sender = _text_setting(data, "sms_sender", cls.sms_sender, 15)
        fixed = data.get("fixed_code")
        if fixed is not None and (not isinstance(fixed, (str, int)) or isinstance(fixed, bool)
                                  or not str(fixed).strip() or len(str(fixed)) > 32):
            raise ValueError("'twofa.fixed_code' must be null or a code of at most 32 characters")
        enabled = data.get("imsi_check_enabled", False)
        if not isinstance(enabled, bool):
            raise ValueError("'twofa.imsi_check_enabled' must be true or false")
        json_type = data.get("code_json_type", "per-endpoint")
        if json_type not in CODE_JSON_TYPES:
            raise ValueError(f"'twofa.code_json_type' must be one of {list(CODE_JSON_TYPES)}")
        return cls(
            code_length=_int_setting(data, "code_length", cls.code_length, 1, 32),
            code_alphabet=alphabet,
            code_ttl_seconds=_int_setting(data, "code_ttl_seconds", cls.code_ttl_seconds, 1, 30 * 86400),
            rate_limit_per_minute=_int_setting(data, "rate_limit_per_minute", cls.rate_limit_per_minute, 0, 10**6),
            rate_limit_per_key_per_minute=_int_setting(data, "rate_limit_per_key_per_minute",
                                                       cls.rate_limit_per_key_per_minute, 0, 10**6),
            max_check_attempts=_int_setting(data, "max_check_attempts", cls.max_check_attempts, 0, 10**6),
            sms_text_template=template,  # type: ignore[arg-type]
            sms_sender=sender,  # type: ignore[arg-type]
            imsi_check_enabled=enabled,
            fixed_code=None if fixed is None else str(fixed).strip(),
            fail_numbers=tuple(_numbers(data, "fail_numbers", "twofa.fail_numbers")),
            code_json_type=json_type,
        )

    def to_dict(self) -> dict:
        return {
            "code_length": self.code_length, "code_alphabet": self.code_alphabet,
            "code_ttl_seconds": self.code_ttl_seconds, "rate_limit_per_minute": self.rate_limit_per_minute,
            "rate_limit_per_key_per_minute": self.rate_limit_per_key_per_minute,
            "max_check_attempts": self.max_check_attempts, "sms_text_template": self.sms_text_template,
            "sms_sender": self.sms_sender, "imsi_check_enabled": self.imsi_check_enabled,
            "fixed_code": self.fixed_code, "fail_numbers": list(self.fail_numbers),
            "code_json_type": self.code_json_type,
        }


@dataclass(frozen=True)
class ImsiCheck:
    """The Devino-side IMSI check of an account's SMS (imsi.md §3, §5.3), enabled separately,
    and the timing of its IMSI lookups (§5.3 "Timing", D-3, D-4)."""

    enabled: bool = False
    substitute_text: str = DEFAULT_SUBSTITUTE_TEXT
    modes: dict = field(default_factory=dict)  # number -> check_mode other than "check"
    # number -> what the operator answers a lookup with, other than "ok" (imsi.md §5.2 lookup_behaviour)
    lookup_behaviour: dict = field(default_factory=dict)
    lookup_delay_ms: int = 500  # virtual time until a reference lookup completes
    retry_backoff_seconds: tuple = (60, 300, 1800)  # one retry after each; then `unobtainable`
    on_lookup_error: str = "send"  # a failed check of an SMS: send it unchecked, or block it (D-3)

    @classmethod
    def from_dict(cls, data: object) -> "ImsiCheck":
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ValueError("'imsi_check' must be an object")
        known = list(cls.__dataclass_fields__)
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown 'imsi_check' fields {unknown}: known are {', '.join(known)}")
        enabled = data.get("enabled", False)
        if not isinstance(enabled, bool):
            raise ValueError("'imsi_check.enabled' must be true or false")
        text = _text_setting(data, "substitute_text", DEFAULT_SUBSTITUTE_TEXT, 2000)
        delay = data.get("lookup_delay_ms", cls.lookup_delay_ms)
        if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= MAX_LOOKUP_DELAY_MS:
            raise ValueError(f"'imsi_check.lookup_delay_ms' must be a whole number from 0 to {MAX_LOOKUP_DELAY_MS}")
        policy = data.get("on_lookup_error", cls.on_lookup_error)
        if policy not in LOOKUP_ERROR_POLICIES:
            raise ValueError(f"'imsi_check.on_lookup_error' must be one of {list(LOOKUP_ERROR_POLICIES)}")
        behaviours = _per_number(data, "lookup_behaviour", LOOKUP_BEHAVIOURS)
        return cls(
            enabled=enabled, substitute_text=text,  # type: ignore[arg-type]
            modes=_per_number(data, "modes", CHECK_MODES),
            lookup_behaviour={number: b for number, b in behaviours.items() if b != "ok"},
            lookup_delay_ms=delay, on_lookup_error=policy,
            retry_backoff_seconds=_backoff(data.get("retry_backoff_seconds", list(cls.retry_backoff_seconds))),
        )

    def to_dict(self) -> dict:
        return {"enabled": self.enabled, "substitute_text": self.substitute_text, "modes": dict(self.modes),
                "lookup_behaviour": dict(self.lookup_behaviour), "lookup_delay_ms": self.lookup_delay_ms,
                "retry_backoff_seconds": list(self.retry_backoff_seconds), "on_lookup_error": self.on_lookup_error}


def _per_number(data: dict, name: str, choices: tuple[str, ...]) -> dict[str, str]:
    """An `imsi_check` object of number -> one of `choices`."""
    value = data.get(name) or {}
    if not isinstance(value, dict):
        raise ValueError(f"'imsi_check.{name}' must be an object of number -> one of {list(choices)}")
    out = {}
    for number, choice in value.items():
        if choice not in choices:
            raise ValueError(f"'imsi_check.{name}' of {number!r} must be one of {list(choices)}")
        out[_number(number, f"imsi_check.{name}")] = choice
    return out


def _backoff(value: object) -> tuple:
    if not isinstance(value, list) or len(value) > MAX_LOOKUP_RETRIES or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= MAX_RETRY_SECONDS for v in value):
        raise ValueError(f"'imsi_check.retry_backoff_seconds' must be a list of at most {MAX_LOOKUP_RETRIES} "
                         f"numbers of seconds from 0 to {MAX_RETRY_SECONDS}")
    return tuple(value)


def _number(value: object, where: str) -> str:
    number = normalize(value) if isinstance(value, str) else None
    if number is None:
        raise ValueError(f"'{where}': {value!r} is not a phone number (11 to 15 digits)")
    return number


def _numbers(data: dict, name: str, where: str) -> list[str]:
    value = data.get(name) or []
    if not isinstance(value, list):
        raise ValueError(f"'{where}' must be a list of phone numbers")
    return [_number(v, where) for v in value]


def _imsi(value: object) -> dict[str, str]:
    """Subscriber IMSI records: number -> the SIM's current raw IMSI (imsi.md §5.2)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("'imsi' must be an object of number -> raw IMSI (digits)")
    out = {}
    for number, imsi in value.items():
        if not isinstance(imsi, str) or not IMSI_RE.match(imsi):
            raise ValueError(f"'imsi' of {number!r} must be a raw IMSI of 5 to 15 digits")
        out[_number(number, "imsi")] = imsi
    return out


def _api_key(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 128 or not value.isprintable():
        raise ValueError("'api_key' must be a string of at most 128 printable characters")
    return value.strip()
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
    reply_text: str | None = None  # the common reply SMS to every incoming SMS (incoming.md §7.2)
    api_key: str | None = None  # the 2FA service's X-ApiKey (twofa.md §2.1)
    twofa: TwofaSettings = field(default_factory=TwofaSettings)
    imsi: dict[str, str] = field(default_factory=dict)  # number -> the SIM's current raw IMSI
    imsi_check: ImsiCheck = field(default_factory=ImsiCheck)
    callback_formats: dict[str, str] = field(default_factory=dict)  # callback kind -> "json" | "xml"
    # Words the e-mail API refuses in a text, subject or sender or recipient name (email-http.md
    # §4 E6: support keeps such a list per account; none by default).
    stop_words: list[str] = field(default_factory=list)
    # Seconds of virtual time before a requested e-mail sender address is approved (email-http.md
    # §7.4.1): 0 at once; None: only when told (POST /_mock/email/senders).
    sender_approval_delay: float | None = 0.0
    # E-mails the account's package still allows (email-http.md §7.4.6): each accepted e-mail
    # uses one; campaign recipients beyond it are counted OverPackage and not written to, other
    # mail beyond it bounces (overpackage-related). None: no package limit.
    email_package: int | None = None
    # The spam score the platform gives this account's campaign letters (email-http.md §2.7:
    # SpamScore, 2.2 in the example): kept with a campaign when it is saved. The emulator runs
    # no spam filter; 0 unless a test sets it.
    email_spam_score: float = 0.0

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
            reply_text=_text_setting(data, "reply_text", None, 2000),
            api_key=_api_key(data.get("api_key")),
            twofa=TwofaSettings.from_dict(data.get("twofa")),
            imsi=_imsi(data.get("imsi")),
            imsi_check=ImsiCheck.from_dict(data.get("imsi_check")),
            callback_formats=_callback_formats(data.get("callback_formats")),
            stop_words=_stop_words(data),
            sender_approval_delay=_approval_delay(data),
            email_package=_package(data.get("email_package")),
            email_spam_score=_spam_score(data.get("email_spam_score", 0)),
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
            "reply_text": self.reply_text,
            "api_key": self.api_key,
            "twofa": self.twofa.to_dict(),
            "imsi": dict(self.imsi),
            "imsi_check": self.imsi_check.to_dict(),
            "callback_formats": dict(self.callback_formats),
            "stop_words": list(self.stop_words),
            "sender_approval_delay": self.sender_approval_delay,
            "email_package": self.email_package,
            "email_spam_score": self.email_spam_score,
        }


@dataclass
class Session:
    id: str
    login: str
    expires_at: datetime


def new_session_id() -> str:
    return "".join(secrets.choice(SESSION_ALPHABET) for _ in range(36))
