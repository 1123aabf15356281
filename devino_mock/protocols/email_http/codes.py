"""Descriptions of the e-mail HTTP API (email-http.md §7.3), English and Russian, and how the
core's domain errors become them."""

from __future__ import annotations

from devino_mock.core import errors
from devino_mock.protocols.integrationapi import COMMON_TEXTS, ApiError

TEXTS: dict[str, tuple[str, str]] = {  # the shared ones first, then this API's own
    "ok": ("ok", "ok"),
    **COMMON_TEXTS,
    "too_many_items": ("too many items in {field} (max {most})", "слишком много элементов в {field} (не более {most})"),
    "invalid_email": ("invalid email address: {address}", "некорректный email адрес: {address}"),
    "sender_exists": ("source address already exists", "адрес отправителя уже существует"),
    "sender_not_approved": ("source address is not approved", "адрес отправителя не подтверждён"),
    "macros_missing": ("text must contain [Unsubscribe] and [WebVersion] macros",
                       "текст должен содержать макросы [Unsubscribe] и [WebVersion]"),
    "too_big": ("text and subject size exceeds 10 MB", "размер текста и темы превышает 10 МБ"),
    "stop_words": ("stop words found in {field}", "в поле {field} найдены стоп-слова"),
    "task_type": ("invalid task type", "недопустимый тип рассылки"),
    "group_missing": ("contact group {id} not found", "группа контактов {id} не найдена"),
    "template_missing": ("template {id} not found", "шаблон {id} не найден"),
    "recipients_limit": ("recipients limit exceeded", "превышено максимальное количество получателей"),
    "not_found": ("{entity} not found", "{entity} не найден(а)"),
    "task_not_new": ("only tasks in state New can be edited", "редактировать можно только рассылки в статусе New"),
    "state_transition": ("invalid state transition from {from} to {to}",
                         "недопустимый переход статуса из {from} в {to}"),
    "too_many_ids": ("too many message ids (max 150)", "передано более 150 идентификаторов"),
    "selection_required": ("TaskId or StartDateTime and EndDateTime are required",
                           "необходимо передать TaskId или StartDateTime и EndDateTime"),
    "recipient_id": ("invalid RecipientId", "некорректный RecipientId"),
    "merge_field": ("invalid merge field name", "некорректное имя макроса"),
    "insufficient_funds": ("not enough balance", "недостаточно средств"),
    "legacy_disabled": ("not found", "не найдено"),
    "no_route": ("resource not found", "ресурс не найден"),
    "method": ("method not allowed", "метод не поддерживается"),
    "internal_error": ("internal error", "внутренняя ошибка"),
    "new_task": ("new task added", "new task added"),
    "queued": ("message queued to send", "message queued to send"),
}
NOT_FOUND_NAMES = {"source address": "source address", "task": "task", "template": "template"}


def from_domain(exc: errors.PlatformError) -> ApiError:
    """A domain error as the e-mail API words it."""
    if isinstance(exc, errors.NotFound):
        return ApiError(404, "not_found", entity=exc.entity)
    if isinstance(exc, errors.Refused):
        return ApiError(400, exc.reason, **exc.params)
    if isinstance(exc, errors.MissingArgument):
        return ApiError(400, "required", field=exc.name)
    if isinstance(exc, errors.InvalidArgument):
        return ApiError(400, "invalid_value", field=exc.name)
    if isinstance(exc, errors.InvalidSource):
        return ApiError(400, "sender_not_approved")
    if isinstance(exc, errors.InvalidDestination):
        return ApiError(400, "invalid_email", address=exc.number)
    if isinstance(exc, errors.InsufficientFunds):
        return ApiError(400, "insufficient_funds")
    if isinstance(exc, (errors.InvalidCredentials, errors.SessionExpired)):
        return ApiError(401, "user_not_found")
    if isinstance(exc, errors.Forbidden):
        return ApiError(403, "access_denied")
    return ApiError(500, "internal_error", code="internal_error")
