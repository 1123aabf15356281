"""Viber (viber.md §7, §11.1; http-rest.md §4.3; soap.md §8.2): one vocabulary with the name the
Viber HTTP API reports, the REST State number and the SOAP State name of every status."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from devino_mock.core.channels.base import Channel, SendingSpec, Status, Step, linear_plan
from devino_mock.core.numbers import normalize
from devino_mock.core.text import Segmentation

MAX_TEXT = 1000  # "не более 1000 символов" (viber.md §2.4, http-rest.md §2.10)

REST, SOAP = "rest", "soap"


def _s(name: str, rest: int, soap: str, text: str, final: bool = False) -> Status:
    return Status(name, text, final, {REST: rest, SOAP: soap})


STATUSES = (
    _s("enqueued", 0, "Enqueued", "сообщение находится в очереди на отправку."),
    _s("sent", 1, "Sent", "сообщение отправлено абоненту"),
    _s("delivered", 2, "Delivered", "сообщение доставлено абоненту.", True),
    _s("read", 3, "Read", "сообщение просмотрено абонентом.", True),
    _s("visited", 8, "Read", "абонент перешел по ссылке в сообщении.", True),
    _s("undelivered", 4, "Undelivered", "сообщение отправлено, но не доставлено абоненту.", True),
    _s("failed", 5, "Failed", "сообщение не было отправлено в результат сбоя.", True),
    _s("cancelled", 5, "Failed", "отправка сообщения отменена.", True),
    _s("vp_expired", 7, "Expired", "сообщение просрочено, финальный статус не получен в рамках заданного "
                                  "validity period", True),
)
# REST texts of the State numbers (http-rest.md §4.3); 6 answers an id the platform cannot show.
REST_TEXT = {0: "Отправляется", 1: "Отправлено", 2: "Доставлено (не прочитано)", 3: "Доставлено (прочитано)",
             4: "Не доставлено", 5: "Ошибка", 6: "Неизвестно", 7: "Просрочено", 8: "Переход по ссылке"}
REST_UNKNOWN = 6

# Not-delivered reasons (viber.md §7.3), kept in the lower-case hyphenated form of /status;
# callbacks show them upper-case with underscores.
ERRORS = frozenset({"user-blocked", "not-viber-user", "error-vp-expired", "bad-data", "bad-parameters",
                    "error-instant-message-type-format", "blocked-message-type", "unknown-error",
                    "no-suitable-device"})


def callback_error(error: str) -> str:
    return error.upper().replace("-", "_")


READ_DELAY, VISIT_DELAY = 3.0, 4.0  # seconds after delivered, after read (viber.md §11.1)


def plan_viber(channel: Channel, message, outcome) -> list[Step]:
    """enqueued -> sent -> delivered (-> read -> visited); failures and vp_expired as any channel.
    `visited` only for a message with a button (viber.md §11.1): otherwise it stops at read."""
    follow: tuple[tuple[str, float], ...] = ()
    status = outcome.status
    if status in ("read", "visited"):
        follow = (("read", READ_DELAY),)
        if status == "visited" and message.extra.get("content_type") == "button":
            follow += (("visited", VISIT_DELAY),)
        outcome = outcome.with_status("delivered")
    return linear_plan(channel, message, outcome, follow)


SENDING = SendingSpec(
    required=("destination", "source"),  # an image message has no text
    address=normalize,
    segment=lambda request: Segmentation("utf-8", len(request.text or ""), (request.text or "",)),
    sender_allowed=lambda account, source: account.sender_allowed(source),
    max_text=MAX_TEXT,
    default_validity=timedelta(seconds=86400),
    max_validity=timedelta(seconds=86400),
)

VIBER = Channel(
    name="viber",
    statuses=STATUSES,
    initial="enqueued",
    default_final="read",
    expired="vp_expired",
    sent="sent",
    planner=plan_viber,
    id_sequence="viber",
    sending=SENDING,
    default_price=Decimal("1.00"),
    errors=ERRORS,
    error_aliases={callback_error(e): e for e in ERRORS} | {callback_error(e).casefold(): e for e in ERRORS},
    default_errors={"vp_expired": "error-vp-expired", "failed": "unknown-error"},
    fallback_on=frozenset({"undelivered", "failed", "vp_expired"}),
)
