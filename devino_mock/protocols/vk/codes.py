"""The VK API's own codes and texts (vk.md §2.7, §2.8, §3.3-§3.5, §6.2), and how the core's
domain errors map onto them."""

from __future__ import annotations

# --- send: the envelope (`code`/`description`, vk.md §2.7) ------------------------------
OK = "ok"
VALIDATION_ERROR = "validation_error"
QUEUE_FULL = "queue_full"
SYSTEM_ERROR = "system_error"
LOGIN_NOT_SPECIFIED = "login_not_specified"
MESSAGES_NOT_SPECIFIED = "messages_not_specified"
INVALID_JSON = "invalid_json"
QUEUE_OVERFLOW = "login_send_queue_overflow"
MESSAGE_NOT_SPECIFIED = "message_not_specified"  # status (vk.md §3.3)

# --- send: the message (`result.code`, vk.md §2.8), with the documented descriptions -------
RESULT_TEXT = {
    "ok": "Сообщение добавлено в очередь на отправку",
    "subject_not_specified": "Не указан адрес отправителя",
    "subject_invalid": "Недопустимый адрес отправителя",
    "priority_not_specified": "Не указан приоритет сообщения",
    "priority_invalid": "Недопустимый приоритет сообщения",
    "routes_not_specified": "Не указаны маршруты доставки",
    "routes_invalid": "Недопустимый набор маршрутов доставки",
    "vp_invalid": "Недопустимый validityPeriod",
    "phone_not_specified": "Не указан номер телефона",
    "phone_invalid": "Недопустимый номер телефона",
    "text_not_specified": "Не указан текст сообщения",
    "text_invalid": "Недопустимый текст сообщения",
    "sms_text_not_specified": "Не указан текст SMS-сообщения",
    "sms_subject_not_specified": "Не указан номер отправителя SMS-сообщения",
    "sms_validity_period_not_specified": "Не указано время жизни SMS-сообщения",
    "invalid_sms_validity_period": "Недопустимое время жизни SMS-сообщения",
    "not-enough-credits": "Недостаточно средств на лицевом счете",  # hyphens, as printed
}

# --- status (`result.code`, vk.md §3.4) --------------------------------------------------
UNKNOWN_MESSAGE_ID = "unknown_message_id"

# Domain errors of a send the platform refuses -> `result.code` (the message was the problem)…
RESULT_OF_KIND = {
    "insufficient_funds": "not-enough-credits",
    "invalid_destination": "phone_invalid",
    "invalid_source": "subject_invalid",
    "invalid_message_length": "text_invalid",
    "invalid_argument": "text_invalid",
    "too_many_recipients": "phone_invalid",
}
# …or the envelope (the request could not be processed, vk.md §2.7).
ENVELOPE_OF_KIND = {
    "quota_exceeded": (QUEUE_FULL, QUEUE_OVERFLOW),
    "internal_error": (SYSTEM_ERROR, "Внутренняя ошибка сервера"),
    "gateway_error": (SYSTEM_ERROR, "Ошибка шлюза"),
}
# Kinds that mean the caller may not send: answered as an authorization failure (vk.md §6.5).
AUTH_KINDS = frozenset({"invalid_credentials", "missing_argument", "forbidden", "session_expired",
                        "malformed_session"})

# A Viber stage the platform refused when the chain reached it (vk.md §3.5, §6.4: shown in
# `viberStatus.code` with status `failed`).
VIBER_REJECTION = {
    "invalid_source": "error-subject-unknown",
    "invalid_destination": "error-address-format",
    "invalid_message_length": "error-content-type-format",
    "missing_argument": "error-content-not-specified",
}
VIBER_REJECTION_DEFAULT = "error-system"

# --- texts of VK statuses and errors (vk.md §6.2: callback `error`, status `result.error`) ----
STATUS_TEXT = {
    "enqueued": "В очереди",
    "sent": "Отправлено",
    "delivered": "Доставлено",
    "read": "Прочитано",
    "undelivered": "Не доставлено",
    "failed": "Ошибка",
    "vp_expired": "Просрочено",
}
ERROR_TEXT = {
    "limit-exceeded": "Превышен лимит уведомлений",
    "mobile-app-not-used": "Не доставлено: нет мобильного приложения VK, использованного за последние 7 дней",
}
FAILED_STATUSES = frozenset({"undelivered", "failed", "vp_expired"})  # these carry `result.error`


def error_text(status: str, error: str | None) -> str:
    return ERROR_TEXT.get(error or "", STATUS_TEXT.get(status, ""))


# The SMS stage in `smsStates[].status` (vk.md §3.2): the four values of the IM APIs' SMS
# vocabulary; every other final SMS status is `undelivered` (viber.md §11.2).
SMS_STATE = {"queued": "enqueued", "sent": "sent", "delivered": "delivered"}
SMS_STATE_DEFAULT = "undelivered"
