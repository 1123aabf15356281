"""The AddressBook API (addressbook.md A1–A14) under `/addressbook/v2`: contact groups, contact
imports, contacts and the unsubscribed list, over the core's address book service."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from devino_mock.core import errors
from devino_mock.core.platform import Platform
from devino_mock.core.services import addressbook as book
from devino_mock.protocols.integrationapi import (
    COMMON_TEXTS,
    ApiError, Envelope, Fields, authenticate, enum, flag, integer, items_range, match_route, net_date, parse_date,
    read_body, strip_nulls,
)
from devino_mock.web import Router

log = logging.getLogger("devino_mock.addressbook")
PREFIX = "/addressbook/v2"
MAX_TEXT = 1000
TEXTS: dict[str, tuple[str, str]] = {  # the shared ones first, then this API's own
    **COMMON_TEXTS,
    "too_many_items": ("too many contacts (max 10000)", "превышено максимальное количество контактов (10000)"),
    "contact group": ("contact group not found", "группа контактов не найдена"),
    "contact": ("contact not found", "контакт не найден"),
    "import": ("import not found", "импорт не найден"),
    "import_not_finished": ("import is not finished", "импорт ещё не завершён"),
    "import_other_group": ("import {id} belongs to another contact group", "импорт {id} относится к другой группе"),
    "no_route": ("resource not found", "ресурс не найден"),
    "method": ("method not allowed", "метод не поддерживается"),
    "internal_error": ("internal error", "внутренняя ошибка"),
    # ContactValidationCode descriptions (§6.2)
    book.DUPLICATE: ("duplicate contact", "дубликат"),
    book.NO_PHONE_NO_EMAIL: ("phone number or email is required", "не передан телефон или email адрес"),
    book.INVALID_PHONE: ("invalid phone number", "невалидный номер телефона"),
    book.INVALID_EMAIL: ("invalid email address", "невалидный email адрес"),
    book.INVALID_FIELD: ("invalid field: {field}", "невалидное поле: {field}"),
}
WIRE_FIELDS = {"phone": "PhoneNumber", "email": "Email", "first_name": "FirstName", "middle_name": "MiddleName",
               "last_name": "LastName", "extra1": "ExtraField1", "extra2": "ExtraField2"}
CHECK_FIELDS = ("No", "PhoneNumber", "Email")
CHECK_SCOPES = {0: "No", 1: "Import", 2: "Groups", 3: "ImportGroups"}


def _from_domain(exc: errors.PlatformError) -> ApiError:
    if isinstance(exc, errors.NotFound):
        return ApiError(404, exc.entity)
    if isinstance(exc, book.ContactInvalid):
        return ApiError(400, exc.code, field=WIRE_FIELDS.get(exc.field or "", exc.field or ""))
    if isinstance(exc, errors.Refused):
        return ApiError(400, exc.reason, **exc.params)
    if isinstance(exc, errors.MissingArgument):
        return ApiError(400, "required", field=exc.name)
    if isinstance(exc, errors.TooManyRecipients):
        return ApiError(400, "too_many_items")
    return ApiError(500, "internal_error", code="internal_error")


def contact_input(fields: Fields, only_given: bool = False) -> dict:
    """A wire ContactDto in the service's names; `only_given` keeps only what the body names
    (PATCH), with null clearing a field."""
    data: dict = {}
    for name, wire in WIRE_FIELDS.items():
        if not only_given or wire in fields:
            value = fields.get(wire)
            data[name] = None if value is None else (str(value) if not isinstance(value, (dict, list)) else value)
    if not only_given or "Gender" in fields:
        data["gender"] = integer(fields.get("Gender"))
    if not only_given or "DateOfBirth" in fields:
        try:
            data["date_of_birth"] = parse_date(fields.get("DateOfBirth"))
        except ValueError:
            data["invalid_field"] = "date_of_birth"
    if not only_given or "MergeFields" in fields:
        merge = fields.get("MergeFields")
        if merge is not None and not isinstance(merge, dict):
            data["invalid_field"] = "merge_fields"
        data["merge_fields"] = {str(k): v for k, v in (merge or {}).items()} if isinstance(merge, dict) else {}
    return data


def contact_view(contact: book.Contact) -> dict:
    return strip_nulls({
        "ContactId": contact.id, "PhoneNumber": contact.phone or "", "Email": contact.email,
        "FirstName": contact.first_name, "MiddleName": contact.middle_name, "LastName": contact.last_name,
        "Gender": contact.gender, "DateOfBirth": net_date(contact.date_of_birth), "ExtraField1": contact.extra1,
        "ExtraField2": contact.extra2, "ContactGroupId": contact.group_id,
        "MergeFields": contact.merge_fields or None,
    })


@dataclass
class Call:
    request: web.Request
    login: str
    params: list[str]


class AddressBookApi:
    ROUTES = (
        ("GET", ("contactgroups",), "list_groups"),
        ("POST", ("contactgroups",), "create_group"),
        ("GET", ("contactgroups", "{}"), "get_group"),
        ("PUT", ("contactgroups", "{}"), "update_group"),
        ("DELETE", ("contactgroups", "{}"), "delete_group"),
        ("POST", ("contactsimport",), "start_import"),
        ("GET", ("contactsimport", "{}", "progress"), "progress"),
        ("DELETE", ("contactsimport", "{}", "duplicates"), "duplicates"),
        ("GET", ("contacts",), "find"),
        ("POST", ("contacts",), "create_contact"),
        ("GET", ("contacts", "{}"), "get_contact"),
        ("PATCH", ("contacts", "{}"), "patch_contact"),
        ("DELETE", ("contacts", "{}"), "delete_contact"),
        ("GET", ("unsubscribed",), "unsubscribed"),
    )

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.book = platform.addressbook
        self.envelope = Envelope(TEXTS)

    async def dispatch(self, request: web.Request) -> web.Response:
        parts = [p for p in request.path.split("/") if p][2:]
        try:
            (_, _, name), params = match_route(self.ROUTES, request.method, parts)
            login = authenticate(self.platform, request)
            return await getattr(self, name)(Call(request, login, params))
        except ApiError as exc:
            return self.envelope.error(request, exc)
        except errors.PlatformError as exc:
            return self.envelope.error(request, _from_domain(exc))
        except Exception:  # a bug answers in the API's own envelope, never with a traceback
            log.exception("AddressBook API error on %s %s", request.method, request.path_qs)
            return self.envelope.error(request, ApiError(500, "internal_error", "internal_error"))

    def ok(self, call: Call, result: object = None, status: int = 200, headers: dict | None = None) -> web.Response:
        return self.envelope.answer(call.request, result, status, headers=headers)

    def ranged(self, call: Call, items: list) -> web.Response:
        page = items_range(call.request)
        return self.ok(call, page.page(items), 206, {"Content-Range": page.content_range(len(items))})

    # --- groups (A1–A5) ---

    def _group_view(self, group: book.Group) -> dict:
        return {"ContactGroupId": group.id, "Name": group.name, "Description": group.description,
                "CreatedDate": net_date(group.created_at),
                "ContactsCount": self.book.contacts_count(group.login, group.id)}

    async def list_groups(self, call: Call) -> web.Response:
        return self.ok(call, [self._group_view(g) for g in self.book.groups(call.login)])

    async def get_group(self, call: Call) -> web.Response:
        return self.ok(call, self._group_view(self.book.group(call.login, _id(call.params[0], "contact group"))))

    async def create_group(self, call: Call) -> web.Response:
        body = await read_body(call.request)
        group = self.book.create_group(call.login, body.text("Name", most=MAX_TEXT),
                                       body.text("Description", most=MAX_TEXT))
        return self.ok(call, group.id, 201)

    async def update_group(self, call: Call) -> web.Response:
        body = await read_body(call.request)
        self.book.update_group(call.login, _id(call.params[0], "contact group"), body.text("Name", most=MAX_TEXT),
                               body.text("Description", most=MAX_TEXT))
        return self.ok(call)

    async def delete_group(self, call: Call) -> web.Response:
        self.book.delete_group(call.login, _id(call.params[0], "contact group"))
        return self.ok(call)

    # --- imports (A6–A8) ---

    async def start_import(self, call: Call) -> web.Response:
        body = await read_body(call.request)
        group_id = integer(body.get("ContactGroupId"))
        if group_id is None:
            raise ApiError(400, "required", field="ContactGroupId")
        rows = []
        for item in body.items("Contacts"):
            row = contact_input(Fields(item))
            row["raw"] = item if isinstance(item, dict) else {}
            rows.append(row)
        try:
            convert, gender = flag(body.get("ConvertDirectPhones")), flag(body.get("FillGender"))
        except ValueError:
            raise ApiError(400, "bad_body") from None
        report = self.book.start_import(call.login, group_id, body.text("ImportId", most=64), rows,
                                        bool(convert), bool(gender))
        rejected = [{"Contact": r.contact.get("raw", {}), "ErrorCode": r.code,
                     "ErrorDescription": self.envelope.describe(r.code, call.request,
                                                                {"field": WIRE_FIELDS.get(r.field or "", r.field)}),
                     "DuplicatesCount": r.duplicates} for r in report.rejected]
        return self.ok(call, {"ImportId": report.import_id, "ValidContacts": report.valid, "RejectedContacts": rejected,
                              "InvalidPhoneNumbers": report.invalid_phones, "InvalidEmails": report.invalid_emails}, 201)

    async def progress(self, call: Call) -> web.Response:
        uploaded, processed = self.book.progress(call.login, call.params[0])
        return self.ok(call, {"Uploaded": uploaded, "Processed": processed})

    async def duplicates(self, call: Call) -> web.Response:
        body = await read_body(call.request)
        key_field = enum(body.get("Field"), CHECK_FIELDS) if body.get("Field") not in (None, "") else "No"
        scope = integer(body.get("Scope")) if body.get("Scope") not in (None, "") else 0
        if scope is None:
            named = enum(body.get("Scope"), CHECK_SCOPES)
            scope = next((n for n, s in CHECK_SCOPES.items() if s == named), None)
        if key_field is None or scope is None or not 0 <= scope <= 3:
            raise ApiError(400, "invalid_value", field="Field" if key_field is None else "Scope")
        raw_groups = body.get("Groups")
        if isinstance(raw_groups, str):  # the query form: Groups=1,2
            raw_groups = [g for g in raw_groups.split(",") if g.strip()]
        groups = [integer(g) for g in (raw_groups if isinstance(raw_groups, list) else [])][:book.MAX_IMPORT]
        if any(g is None for g in groups):
            raise ApiError(400, "invalid_value", field="Groups")
        group_id = integer(body.get("ContactGroupId")) if body.get("ContactGroupId") not in (None, "") else None
        current, other, in_import = self.book.remove_duplicates(
            call.login, call.params[0], group_id, CHECK_FIELDS.index(key_field), scope, groups)  # type: ignore[arg-type]
        return self.ok(call, {"InCurrentGroup": current, "InOtherGroups": other, "InCurrentImport": in_import})

    # --- contacts (A9–A13) ---

    async def find(self, call: Call) -> web.Response:
        query = Fields(dict(call.request.query)).text("Query", most=320)
        items_range(call.request)  # 416 comes before the missing Query
        if query is None:
            raise ApiError(400, "required", field="Query")
        return self.ranged(call, [contact_view(c) for c in self.book.find(call.login, query)])

    async def get_contact(self, call: Call) -> web.Response:
        return self.ok(call, contact_view(self.book.contact(call.login, _id(call.params[0], "contact"))))

    async def create_contact(self, call: Call) -> web.Response:
        body = await read_body(call.request)
        group_id = integer(body.get("ContactGroupId"))
        if group_id is None:
            raise ApiError(400, "required", field="ContactGroupId")
        contact = self.book.create_contact(call.login, group_id, contact_input(body))
        return self.ok(call, contact.id, 201)

    async def patch_contact(self, call: Call) -> web.Response:
        body = await read_body(call.request)
        self.book.patch_contact(call.login, _id(call.params[0], "contact"), contact_input(body, only_given=True))
        return self.ok(call)

    async def delete_contact(self, call: Call) -> web.Response:
        self.book.delete_contact(call.login, _id(call.params[0], "contact"))
        return self.ok(call)

    # --- unsubscribed (A14) ---

    async def unsubscribed(self, call: Call) -> web.Response:
        raw = Fields(dict(call.request.query)).text("TaskId")
        task_id = integer(raw) if raw is not None else None
        if raw is not None and task_id is None:
            raise ApiError(400, "invalid_value", field="TaskId")
        entries = self.book.unsubscribed(call.login, task_id)
        return self.ranged(call, [strip_nulls({"Email": e.email, "DateTime": net_date(e.at), "Reason": e.reason,
                                               "TaskId": e.task_id or None}) for e in entries])


def _id(raw: str, entity: str) -> int:
    number = integer(raw)
    if number is None:
        raise ApiError(404, entity)
    return number


def register(router: Router, platform: Platform) -> None:
    api = AddressBookApi(platform)
    router.add_prefix(PREFIX, api.dispatch)
    router.add(PREFIX, api.dispatch)


__all__ = ["register"]
