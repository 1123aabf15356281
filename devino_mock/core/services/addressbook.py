"""The address book (addressbook.md): contact groups, contacts, contact imports processed as a
queue on the virtual clock, and the unsubscribed list the e-mail channel honours. Every record
belongs to one account and lives in the store under `<login>:<id>`."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from devino_mock.core import errors
from devino_mock.core.addresses import normalize_email
from devino_mock.core.events import Event, RecipientAction
from devino_mock.core.records import RecordKind
from devino_mock.core.scenarios import Outcome

if TYPE_CHECKING:
    from devino_mock.core.platform import Platform

GROUP, CONTACT, IMPORT, UNSUBSCRIBED = "addressbook.group", "addressbook.contact", "addressbook.import", \
    "addressbook.unsubscribed"
GROUP_ID_START, CONTACT_ID_START = 1, 100_000
MAX_IMPORT = 10_000  # contacts per ContactsImport request (§4 A6)
MAX_NAME, MAX_EXTRA = 100, 700
IMPORT_RATE = 1000.0  # contacts written per second (§6.3.3 item 2)
IMPORT_CHUNK = 100  # written together, so progress moves in steps of a tenth of a second
IDLE_FINISH = 2.0  # seconds without a new batch before an import that caught up is finished
DEFAULT_REASON = "Другая причина"
COMPLAINT_REASON = "Жалоба"
PHONE_RE = re.compile(r"^\+?\d{8,15}$")
GENDER_UNKNOWN = 3

# ContactValidationCode (§2.8)
OK, DUPLICATE, NO_PHONE_NO_EMAIL, INVALID_PHONE, INVALID_EMAIL, INVALID_FIELD = (
    "Ok", "Duplicate", "NoPhoneNoEmail", "InvalidPhone", "InvalidEmail", "InvalidField")
# DuplicatesCheckField / DuplicatesCheckScope (§2.8)
FIELD_NONE, FIELD_PHONE, FIELD_EMAIL = 0, 1, 2
SCOPE_IMPORT, SCOPE_GROUPS = 1, 2

NAME_FIELDS = {"first_name": MAX_NAME, "middle_name": MAX_NAME, "last_name": MAX_NAME,
               "extra1": MAX_EXTRA, "extra2": MAX_EXTRA}
CONTACT_FIELDS = ("phone", "email", *NAME_FIELDS, "gender", "date_of_birth", "merge_fields")


class ContactFields(TypedDict):
    """A contact's fields validated (validate_contact): an import's row not yet written."""

    phone: str | None
    email: str | None
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    extra1: str | None
    extra2: str | None
    gender: int
    date_of_birth: datetime | None
    merge_fields: dict[str, object]


@dataclass
class Group:
    id: int
    login: str
    name: str
    description: str
    created_at: datetime


@dataclass
class Contact:
    id: int
    login: str
    group_id: int
    phone: str | None = None
    email: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    gender: int = GENDER_UNKNOWN
    date_of_birth: datetime | None = None
    extra1: str | None = None
    extra2: str | None = None
    merge_fields: dict[str, object] = field(default_factory=dict)  # as the client gave them
    import_key: str | None = None  # the import that wrote it


@dataclass
class Import:
    key: str  # the ImportId folded (upper case, no dashes or braces)
    import_id: str  # as the client first sent it (or generated)
    login: str
    group_id: int
    uploaded: int = 0
    processed: int = 0
    pending: list[list[ContactFields]] = field(default_factory=list)  # validated rows not yet written, in chunks
    contact_ids: list[int] = field(default_factory=list)
    last_post_at: datetime | None = None
    # When the next chunk is written; kept in the record so that a restart on a kept store
    # schedules it again (reschedule) and a stale timer can tell it is stale.
    next_write_at: datetime | None = None


@dataclass
class Unsubscribed:
    login: str
    email: str
    at: datetime
    reason: str
    task_id: int = 0


@dataclass
class Rejection:
    """One refused row of an import (RejectedContactDto)."""

    contact: dict
    code: str
    field: str | None = None
    duplicates: int = 0


@dataclass
class ImportReport:
    import_id: str
    valid: int
    rejected: list[Rejection]
    invalid_phones: list[str]
    invalid_emails: list[str]


class ContactInvalid(errors.Refused):
    def __init__(self, code: str, field_name: str | None = None) -> None:
        super().__init__("contact_invalid", code=code, field=field_name)
        self.code = code
        self.field = field_name


def phone_digits(phone: str | None) -> str | None:
    return re.sub(r"\D", "", phone) if phone else None


def _key(login: str, ident: object) -> str:
    return f"{login}:{ident}"


def fold_import_id(import_id: str) -> str:
    return re.sub(r"[{}\-\s]", "", import_id).upper()


def _unsubscribed_key(login: str, email: str, task_id: int) -> str:
    """One entry per address (in any letter case) and campaign."""
    return _key(login, f"{email.casefold()}#{task_id}")


def _check_contact(contact: Contact) -> None:
    if contact.gender not in (1, 2, GENDER_UNKNOWN):
        raise ValueError(f"gender: one of [1, 2, {GENDER_UNKNOWN}]")


def _check_import(job: Import) -> None:
    if job.key != fold_import_id(job.import_id):
        raise ValueError("key: the import_id folded (upper case, without dashes, braces and spaces)")


# Each kind of record the address book keeps, with its key: what a snapshot carries.
RECORDS = {
    GROUP: RecordKind(Group, lambda group: _key(group.login, group.id), numbered=True),
    CONTACT: RecordKind(Contact, lambda contact: _key(contact.login, contact.id), _check_contact, numbered=True),
    IMPORT: RecordKind(Import, lambda job: _key(job.login, job.key), _check_import),
    UNSUBSCRIBED: RecordKind(Unsubscribed, lambda entry: _unsubscribed_key(entry.login, entry.email, entry.task_id)),
}


def validate_contact(data: dict, convert_phones: bool = False, fill_gender: bool = False) -> dict:
    """A contact's fields normalised (§6.3.2), or ContactInvalid with its ContactValidationCode.
    `data` uses CONTACT_FIELDS names; strings are trimmed, empty ones are absent."""
    clean: dict = {}
    for name in CONTACT_FIELDS:
        value = data.get(name)
        if isinstance(value, str):
            value = value.strip() or None
        clean[name] = value
    invalid_field = data.get("invalid_field")
    if not clean["phone"] and not clean["email"]:
        raise ContactInvalid(NO_PHONE_NO_EMAIL)
    if clean["phone"] is not None:
        if not isinstance(clean["phone"], str) or not PHONE_RE.match(re.sub(r"[\s()\-]", "", clean["phone"])):
            raise ContactInvalid(INVALID_PHONE)
        clean["phone"] = re.sub(r"[\s()\-]", "", clean["phone"])
        if convert_phones:
            clean["phone"] = _federal(clean["phone"])
    if clean["email"] is not None:
        address = normalize_email(clean["email"]) if isinstance(clean["email"], str) else None
        if address is None:
            raise ContactInvalid(INVALID_EMAIL)
        clean["email"] = address
    for name, most in NAME_FIELDS.items():
        value = clean[name]
        if value is not None and (not isinstance(value, str) or len(value) > most):
            raise ContactInvalid(INVALID_FIELD, name)
    if invalid_field:
        raise ContactInvalid(INVALID_FIELD, invalid_field)
    gender = clean["gender"]
    clean["gender"] = gender if gender in (1, 2) else GENDER_UNKNOWN  # a normalisation, not an error
    if fill_gender and clean["gender"] == GENDER_UNKNOWN:
        clean["gender"] = _guess_gender(clean["middle_name"], clean["last_name"])
    clean["merge_fields"] = dict(clean["merge_fields"] or {})
    return clean


def _federal(phone: str) -> str:
    """ConvertDirectPhones (B-10): 8XXXXXXXXXX -> 7XXXXXXXXXX, 9XXXXXXXXX -> 79XXXXXXXXX."""
    digits = phone.lstrip("+")
    if len(digits) == 11 and digits.startswith("8"):
        return "7" + digits[1:]
    if len(digits) == 10 and digits.startswith("9"):
        return "7" + digits
    return phone


def _guess_gender(middle: str | None, last: str | None) -> int:
    """FillGender (B-10): from the patronymic, else from the surname."""
    middle, last = (middle or "").casefold(), (last or "").casefold()
    if middle.endswith(("вич", "ич")):
        return 1
    if middle.endswith(("вна", "чна", "кызы")):
        return 2
    if last.endswith(("ова", "ева", "ина", "ая")):
        return 2
    if last.endswith(("ов", "ев", "ин", "ий")):
        return 1
    return GENDER_UNKNOWN


class AddressBook:
    def __init__(self, platform: "Platform", import_rate: float = IMPORT_RATE, idle_finish: float = IDLE_FINISH) -> None:
        self.platform = platform
        self.store = platform.store
        self.import_rate = import_rate
        self.idle_finish = idle_finish
        platform.subscribe(self._on_event, RecipientAction)
        platform.scenarios.overrides.append(self._suppressed)

    # --- groups (A1–A5) -------------------------------------------------------------------

    def groups(self, login: str) -> list[Group]:
        return [g for g in self.store.records(GROUP) if g.login == login]

    def group(self, login: str, group_id: object) -> Group:
        group = self.store.get(GROUP, _key(login, group_id))
        if group is None:
            raise errors.NotFound("contact group", group_id)
        return group

    def create_group(self, login: str, name: str, description: str | None) -> Group:
        if not name or not name.strip():
            raise errors.MissingArgument("Name")
        [number] = self.store.next_ids(GROUP, 1, GROUP_ID_START)
        group = Group(number, login, name.strip(), description or "", self.platform.now())
        self.store.put(GROUP, _key(login, number), group)
        return group

    def update_group(self, login: str, group_id: int, name: str, description: str | None) -> Group:
        group = self.group(login, group_id)
        if not name or not name.strip():
            raise errors.MissingArgument("Name")
        group.name, group.description = name.strip(), description or ""  # PUT overwrites
        self.store.put(GROUP, _key(login, group_id), group)
        return group

    def delete_group(self, login: str, group_id: int) -> None:
        """The group, its contacts and the rows still queued for it (B-12)."""
        self.group(login, group_id)
        for contact in self._contacts(login):
            if contact.group_id == group_id:
                self.store.delete(CONTACT, _key(login, contact.id))
        for job in self.store.records(IMPORT):
            if job.login == login and job.group_id == group_id and job.pending:
                job.uploaded -= sum(len(chunk) for chunk in job.pending)
                job.pending = []
                self.store.put(IMPORT, _key(login, job.key), job)
        self.store.delete(GROUP, _key(login, group_id))

    def contacts_count(self, login: str, group_id: int) -> int:
        return sum(1 for c in self._contacts(login) if c.group_id == group_id)

    # --- contacts (A9–A13) ------------------------------------------------------------------

    def _contacts(self, login: str) -> list[Contact]:
        self.platform.tick()
        return [c for c in self.store.records(CONTACT) if c.login == login]

    def contacts_of(self, login: str, group_id: int) -> list[Contact]:
        return sorted((c for c in self._contacts(login) if c.group_id == group_id), key=lambda c: c.id)

    def contact(self, login: str, contact_id: object) -> Contact:
        self.platform.tick()
        contact = self.store.get(CONTACT, _key(login, contact_id))
        if contact is None:
            raise errors.NotFound("contact", contact_id)
        return contact

    def create_contact(self, login: str, group_id: object, data: dict) -> Contact:
        clean = validate_contact(data)
        self.group(login, group_id)
        return self._add_contact(login, int(group_id), clean)  # type: ignore[arg-type]

    def _add_contact(self, login: str, group_id: int, clean: dict, import_key: str | None = None) -> Contact:
        [number] = self.store.next_ids(CONTACT, 1, CONTACT_ID_START)
        contact = Contact(number, login, group_id, import_key=import_key,
                          **{k: v for k, v in clean.items() if k in CONTACT_FIELDS})
        self.store.put(CONTACT, _key(login, number), contact)
        return contact

    def patch_contact(self, login: str, contact_id: object, changes: dict) -> Contact:
        """Only the fields given change; null clears one; the group cannot change (A12)."""
        contact = self.contact(login, contact_id)
        merged = {name: getattr(contact, name) for name in CONTACT_FIELDS}
        merged.update({k: v for k, v in changes.items() if k in CONTACT_FIELDS})
        merged["invalid_field"] = changes.get("invalid_field")
        clean = validate_contact(merged)
        for name in CONTACT_FIELDS:
            setattr(contact, name, clean[name])
        self.store.put(CONTACT, _key(login, contact.id), contact)
        return contact

    def delete_contact(self, login: str, contact_id: object) -> None:
        contact = self.contact(login, contact_id)
        self.store.delete(CONTACT, _key(login, contact.id))

    def find(self, login: str, query: str) -> list[Contact]:
        """By e-mail (with '@', case-insensitive) or by phone digits, exact (B-14)."""
        query = query.strip()
        if "@" in query:
            wanted = query.casefold()
            found = [c for c in self._contacts(login) if c.email and c.email.casefold() == wanted]
        else:
            digits = phone_digits(query)
            found = [c for c in self._contacts(login) if digits and phone_digits(c.phone) == digits]
        return sorted(found, key=lambda c: c.id)

    # --- imports (A6–A8) ----------------------------------------------------------------------

    def start_import(self, login: str, group_id: object, import_id: str | None, rows: list[dict],
                     convert_phones: bool = False, fill_gender: bool = False) -> ImportReport:
        """Validate a batch and queue its valid rows; they are written at `import_rate`."""
        self.group(login, group_id)
        if not rows:
            raise errors.MissingArgument("Contacts")
        if len(rows) > MAX_IMPORT:
            raise errors.TooManyRecipients(str(len(rows)))
        import_id = (import_id or "").strip() or str(uuid.uuid4()).upper()
        key = fold_import_id(import_id)
        job = self.store.get(IMPORT, _key(login, key))
        if job is None:
            job = Import(key, import_id, login, int(group_id))  # type: ignore[arg-type]
        elif job.group_id != int(group_id):  # type: ignore[arg-type]
            raise errors.Refused("import_other_group")
        rejected: list[Rejection] = []
        phones, emails = [], []
        valid: list[dict] = []
        seen: dict[tuple, Rejection | None] = {}
        for row in rows:
            try:
                clean = validate_contact(row, convert_phones, fill_gender)
            except ContactInvalid as exc:
                rejected.append(Rejection(row, exc.code, exc.field))
                if exc.code == INVALID_PHONE:
                    phones.append(str(row.get("phone")))
                elif exc.code == INVALID_EMAIL:
                    emails.append(str(row.get("email")))
                continue
            identity = (phone_digits(clean["phone"]), (clean["email"] or "").casefold())
            if identity in seen:  # a repeat inside this request: one Duplicate entry counts them (B-9)
                entry = seen[identity]
                if entry is None:
                    entry = seen[identity] = Rejection(row, DUPLICATE)
                    rejected.append(entry)
                entry.duplicates += 1
                continue
            seen[identity] = None
            valid.append(clean)
        now = self.platform.now()
        for start in range(0, len(valid), IMPORT_CHUNK):
            job.pending.append(valid[start:start + IMPORT_CHUNK])
        job.uploaded += len(valid)
        job.last_post_at = now
        self.store.put(IMPORT, _key(login, key), job)
        self._schedule_write(job)
        return ImportReport(job.import_id, len(valid), rejected, phones, emails)

    def _schedule_write(self, job: Import) -> None:
        if not job.pending or job.next_write_at is not None:
            return
        now = self.platform.now()
        job.next_write_at = now + timedelta(seconds=0 if self.import_rate <= 0
                                            else len(job.pending[0]) / self.import_rate)
        self.store.put(IMPORT, _key(job.login, job.key), job)
        self._timer(job)

    def _timer(self, job: Import) -> None:
        self.platform.scheduler.at(job.next_write_at, lambda login=job.login, key=job.key,  # type: ignore[arg-type]
                                   when=job.next_write_at: self._write_chunk(login, key, when))

    def reschedule(self) -> None:
        """Schedule again the next chunk of every import still writing, from its record (a
        restart on a kept store; the scheduler is only an index). A chunk is written and its
        record updated in one go, so nothing already written is written again."""
        for job in self.store.records(IMPORT):
            if job.next_write_at is not None:
                self._timer(job)

    def _write_chunk(self, login: str, key: str, when: datetime) -> None:
        job = self.store.get(IMPORT, _key(login, key))
        if job is None or job.next_write_at != when:
            return  # forgotten by a reset or a deleted group
        job.next_write_at = None
        if job.pending and self.store.get(GROUP, _key(login, job.group_id)) is not None:
            chunk = job.pending.pop(0)
            for clean in chunk:
                job.contact_ids.append(self._add_contact(login, job.group_id, clean, key).id)
            job.processed += len(chunk)
        self.store.put(IMPORT, _key(login, key), job)
        self._schedule_write(job)

    def _import(self, login: str, import_id: str) -> Import:
        self.platform.tick()
        job = self.store.get(IMPORT, _key(login, fold_import_id(import_id)))
        if job is None:
            raise errors.NotFound("import", import_id)
        return job

    def progress(self, login: str, import_id: str) -> tuple[int, int]:
        job = self._import(login, import_id)
        return job.uploaded, job.processed

    def finished(self, job: Import) -> bool:
        idle = job.last_post_at is None or self.platform.now() >= job.last_post_at + timedelta(seconds=self.idle_finish)
        return not job.pending and job.processed >= job.uploaded and idle

    def remove_duplicates(self, login: str, import_id: str, group_id: object, key_field: int, scope: int,
                          groups: list[int]) -> tuple[int, int, list[str]]:
        """Delete the duplicates a finished import made (§6.3.3 item 4): (InCurrentGroup,
        InOtherGroups, InCurrentImport)."""
        job = self._import(login, import_id)
        if group_id is not None and int(group_id) != job.group_id:  # type: ignore[arg-type]
            raise errors.NotFound("contact group", group_id)
        if not self.finished(job):
            raise errors.Refused("import_not_finished")
        if key_field not in (FIELD_PHONE, FIELD_EMAIL) or not scope:
            return 0, 0, []

        def key_of(contact: Contact) -> str | None:
            if key_field == FIELD_PHONE:
                return phone_digits(contact.phone)
            return contact.email.casefold() if contact.email else None

        mine = [self.store.get(CONTACT, _key(login, i)) for i in job.contact_ids]
        mine = [c for c in mine if c is not None]
        in_import: list[str] = []
        if scope & SCOPE_IMPORT:
            kept: set[str] = set()
            for contact in mine:
                value = key_of(contact)
                if value is None:
                    continue
                if value in kept:
                    self.store.delete(CONTACT, _key(login, contact.id))
                    if value not in in_import:
                        in_import.append(value)
                else:
                    kept.add(value)
        current = other = 0
        if scope & SCOPE_GROUPS:
            mine_ids = set(job.contact_ids)
            others = [c for c in self._contacts(login) if c.id not in mine_ids
                      and (c.group_id == job.group_id or c.group_id in groups)]
            where: dict[str, int] = {}
            for contact in others:
                value = key_of(contact)
                if value is not None:
                    where.setdefault(value, contact.group_id)
            for contact in mine:
                value = key_of(contact)
                if value in where and self.store.get(CONTACT, _key(login, contact.id)) is not None:
                    self.store.delete(CONTACT, _key(login, contact.id))
                    if where[value] == job.group_id:
                        current += 1
                    else:
                        other += 1
        job.contact_ids = [i for i in job.contact_ids if self.store.get(CONTACT, _key(login, i)) is not None]
        self.store.put(IMPORT, _key(login, job.key), job)
        return current, other, in_import

    # --- the unsubscribed list (A14) ------------------------------------------------------------

    def unsubscribe(self, login: str, email: str, reason: str | None = None, task_id: int = 0) -> Unsubscribed:
        """One entry per address and campaign (§6.3.4)."""
        key = _unsubscribed_key(login, email, task_id)
        entry = self.store.get(UNSUBSCRIBED, key)
        if entry is None:
            entry = Unsubscribed(login, email, self.platform.now(), reason or DEFAULT_REASON, task_id)
            self.store.put(UNSUBSCRIBED, key, entry)
        return entry

    def resubscribe(self, login: str, email: str) -> int:
        gone = [e for e in self.store.records(UNSUBSCRIBED)
                if e.login == login and e.email.casefold() == email.casefold()]
        for entry in gone:
            self.store.delete(UNSUBSCRIBED, _unsubscribed_key(login, entry.email, entry.task_id))
        return len(gone)

    def unsubscribed(self, login: str, task_id: int | None = None) -> list[Unsubscribed]:
        entries = [e for e in self.store.records(UNSUBSCRIBED)
                   if e.login == login and (task_id is None or e.task_id == task_id)]
        return sorted(entries, key=lambda e: (e.at, e.email))

    def is_unsubscribed(self, login: str, email: str) -> bool:
        wanted = email.casefold()
        return any(e.login == login and e.email.casefold() == wanted for e in self.store.records(UNSUBSCRIBED))

    # --- what the platform asks of the address book -------------------------------------------

    def _suppressed(self, *, channel: str, login: str, source: str, destination: str) -> Outcome | None:
        """An unsubscribed address gets no more mail: Rejected, already_unsubscribed
        (email-http.md A-13; the SMTP API "filters unsubscribed addresses", B.1)."""
        if channel == "email" and destination and self.is_unsubscribed(login, destination):
            return Outcome("Rejected", "already_unsubscribed", submit_delay=0.0)
        return None

    def _on_event(self, event: Event) -> None:
        if not isinstance(event, RecipientAction):
            return
        message = event.message
        task_id = int(message.extra.get("task_id") or 0)
        if event.action == "unsubscribed":
            self.unsubscribe(message.login, message.destination, event.details.get("reason"), task_id)
        elif event.action == "complained":
            self.unsubscribe(message.login, message.destination, COMPLAINT_REASON, task_id)
        elif event.action == "subscribed":
            self.resubscribe(message.login, message.destination)


__all__ = ["AddressBook", "Contact", "ContactInvalid", "Group", "Import", "ImportReport", "Rejection",
           "Unsubscribed"]
