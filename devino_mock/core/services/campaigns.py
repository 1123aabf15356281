"""E-mail beyond one message (email-http.md §7.4): sender addresses, templates, campaigns
(tasks) with their state machine, transactional sends with merge fields, and the message
selections statistics are computed from. A started campaign sends its letter to the contacts
of its address-book groups through the one send pipeline (channel "email") over the virtual
clock. No wire format here: adapters render."""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from devino_mock.core import errors
from devino_mock.core.addresses import normalize_email
from devino_mock.core.events import MessageAccepted
from devino_mock.core.records import Message, RecordKind
from devino_mock.core.scenarios import Outcome
from devino_mock.core.sending import SendRequest

if TYPE_CHECKING:
    from devino_mock.core.platform import Platform
    from devino_mock.core.services.addressbook import AddressBook

SENDER, TEMPLATE, TASK = "email.sender", "email.template", "email.task"
TEMPLATE_ID_START, TASK_ID_START = 1, 130_000
MAX_CONTENT = 10 * 1024 * 1024  # text and subject: "не более 10 МБ" (§4 E6, §5 E11, §6 E16)
MAX_RECIPIENTS = 2_000_000  # per campaign (§4 E6)
MAX_RECIPIENT_ID = 32  # characters (§6 E16)
MACROS = ("[Unsubscribe]", "[WebVersion]")
RESERVED_MACROS = frozenset({"Unsubscribe", "WebVersion"})
MACRO_RE = re.compile(r"\[([A-Za-z0-9_]{1,64})\]")
MERGE_KEY_RE = re.compile(r"^[A-Za-z0-9_]{1,64}$")  # "специальные символы запрещены"
SEND_RATE = 100.0  # campaign messages per second (§7.4.3)
SEND_BATCH = 10
TASK_TRANSPORT, MESSAGE_TRANSPORT = "email_task", "email_api"

# SourceAddressState (§2.7)
REQUEST, APPROVE, REJECT, DELETED_ADDRESS = 0, 1, 2, 3
SOURCE_STATES = ("Request", "Approve", "Reject", "Deleted")
# TaskState and TaskType (§2.7)
TASK_STATES = ("New", "Created", "Started", "Stopped", "Canceled", "Finished", "Deleted", "Failed")
NEW, CREATED, STARTED, STOPPED, CANCELED, FINISHED, DELETED, FAILED = TASK_STATES
TASK_TYPES = {1: "Distribution", 2: "Birthday"}
BIRTHDAY = 2
# The suggested state machine (§7.4.3): from -> states a PUT may move it to.
TRANSITIONS = {
    NEW: {CREATED, CANCELED, DELETED, FINISHED, FAILED},
    CREATED: {NEW, STARTED, CANCELED, DELETED, FINISHED, FAILED},
    STARTED: {STOPPED, CANCELED, DELETED, FINISHED, FAILED},
    STOPPED: {STARTED, CANCELED, DELETED, FINISHED, FAILED},
    CANCELED: {DELETED},
    FINISHED: {DELETED},
    FAILED: {DELETED},
    DELETED: set(),
}


@dataclass
class SenderAddress:
    login: str
    address: str
    state: int
    requested_at: datetime
    approved_at: datetime | None = None
    approve_at: datetime | None = None  # when a requested address is approved by itself (None: when told)


@dataclass
class Letter:
    """What a template, a campaign and a transactional message share."""

    sender_address: str | None = None
    sender_name: str | None = None
    subject: str | None = None
    html: str | None = None
    plain: str | None = None

    @property
    def text(self) -> str:
        return self.html if self.html is not None else (self.plain or "")

    def size(self) -> int:
        return sum(len((v or "").encode("utf-8")) for v in (self.subject, self.html, self.plain))


@dataclass
class Template:
    id: int
    login: str
    name: str
    letter: Letter
    user_template_id: str | None = None

    def merge_fields(self) -> list[str]:
        """Every `[Key]` but the reserved macros, in order of first appearance (§7.4.2)."""
        found: dict[str, None] = {}
        for text in (self.letter.subject, self.letter.html, self.letter.plain):
            for key in MACRO_RE.findall(text or ""):
                if key not in RESERVED_MACROS:
                    found.setdefault(key, None)
        return list(found)


@dataclass
class TaskDraft:
    """A campaign as a client describes it (E6, E7)."""

    name: str | None
    letter: Letter
    type: int | None = 1
    start_at: datetime | None = None
    end_at: datetime | None = None
    user_campaign_id: str | None = None
    contacts: list[tuple[int, bool]] = field(default_factory=list)
    groups: list[tuple[int, bool]] = field(default_factory=list)
    template_id: str | None = None
    send_duplicates: bool = False
    sms_resend: dict[str, object] | None = None  # kept as the client gave it


class _LaterCounters(TypedDict, total=False):
    # The account's email_spam_score when the campaign was saved; campaigns saved before it was
    # kept have none (shown as 0). A base of its own: TypedDict does not see NotRequired in
    # this module's postponed (string) annotations.
    SpamScore: float


class Counters(_LaterCounters):
    TotalContacts: int
    Duplicates: int
    Excluded: int
    Unsubscribed: int
    OverPackage: int


class TaskRecipient(TypedDict):
    contact_id: int
    email: str
    name: str | None
    fields: dict[str, object]  # merge fields: the contact's own and its MergeFields


@dataclass
class Task:
    id: int
    login: str
    draft: TaskDraft
    state: str
    created_at: datetime
    counters: Counters = field(default_factory=dict)  # type: ignore[assignment]  # set by save_task
    recipients: list[TaskRecipient] = field(default_factory=list)
    emitted: int = 0
    failures: int = 0
    run: int = 0  # bumped on every start and stop: batches of an older run do nothing
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # When the next batch goes out (None: none is due); kept in the record so that a restart
    # on a kept store schedules it again (reschedule).
    next_batch_at: datetime | None = None
    birthdays_sent_on: str | None = None  # a birthday campaign's last day sent (ISO date, UTC)


@dataclass
class Recipient:
    address: str | None
    name: str | None = None
    recipient_id: str | None = None
    merge_fields: dict = field(default_factory=dict)


def personalise(text: str | None, fields: dict) -> str | None:
    """`[Key]` and `{Key}` replaced by merge fields (A-9); unknown keys stay as they are."""
    if not text or not fields:
        return text
    for key, value in fields.items():
        text = text.replace(f"[{key}]", str(value)).replace("{" + key + "}", str(value))
    return text


_WORD = re.compile(r"\w+")


@functools.lru_cache(maxsize=64)
def _stop_words(words: tuple[str, ...]) -> tuple[frozenset[str], re.Pattern | None]:
    """An account's stop words as a set of single words and a pattern of the phrases. One
    regular expression of a thousand alternatives took 11 s over a 10 MB letter; the words of
    the letter looked up in a set take the same ~0.5 s however many stop words there are."""
    single = frozenset(w.casefold() for w in words if _WORD.fullmatch(w))
    phrases = sorted((w.casefold() for w in words if not _WORD.fullmatch(w)), key=len, reverse=True)
    pattern = re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, phrases))})(?!\w)") if phrases else None
    return single, pattern


def _has_stop_word(text: str, words: tuple[str, ...]) -> bool:
    single, phrases = _stop_words(words)
    folded = text.casefold()
    if single and not single.isdisjoint(_WORD.findall(folded)):
        return True
    return phrases is not None and phrases.search(folded) is not None


def _birthday_on(born: datetime, day: date) -> bool:
    if (born.month, born.day) == (day.month, day.day):
        return True
    # Born on 29 February: celebrated on the 28th when the year has no 29th.
    return (born.month, born.day, day.month, day.day) == (2, 29, 2, 28) and not calendar.isleap(day.year)


def _key(login: str, ident: object) -> str:
    return f"{login}:{ident}"


def _check_sender(record: SenderAddress) -> None:
    if record.state not in range(len(SOURCE_STATES)):
        raise ValueError(f"state: one of {list(range(len(SOURCE_STATES)))} ({', '.join(SOURCE_STATES)})")


def _check_task(task: Task) -> None:
    if task.state not in TASK_STATES:
        raise ValueError(f"state: one of {list(TASK_STATES)}")
    if task.draft.type not in TASK_TYPES:
        raise ValueError(f"draft.type: one of {list(TASK_TYPES)}")


# Each kind of record kept here, with its key: what a snapshot carries. A sender address is
# kept under the address in any letter case.
RECORDS = {
    SENDER: RecordKind(SenderAddress, lambda record: _key(record.login, record.address.casefold()), _check_sender),
    TEMPLATE: RecordKind(Template, lambda template: _key(template.login, template.id), numbered=True),
    TASK: RecordKind(Task, lambda task: _key(task.login, task.id), _check_task, numbered=True),
}


class Campaigns:
    def __init__(self, platform: "Platform", addressbook: "AddressBook", send_rate: float = SEND_RATE) -> None:
        self.platform = platform
        self.store = platform.store
        self.addressbook = addressbook
        self.send_rate = send_rate
        platform.subscribe(self._use_package, MessageAccepted, channels=("email",))
        platform.scenarios.overrides.append(self._over_package)

    # --- the package (§7.4.6) -------------------------------------------------------------------

    def _use_package(self, event: MessageAccepted) -> None:
        account = self.store.account(event.message.login)
        if account is not None and account.email_package:
            account.email_package -= 1
            self.store.save_account(account)

    def _over_package(self, *, channel: str, login: str, source: str, destination: str) -> Outcome | None:
        """Mail beyond the package bounces, as the documented reason says."""
        if channel == "email":
            account = self.store.account(login)
            if account is not None and account.email_package == 0:
                return Outcome("Bounced", "overpackage-related", submit_delay=0.0)
        return None

    # --- sender addresses (E1–E3) -------------------------------------------------------------

    def senders(self, login: str) -> list[SenderAddress]:
        """Approved and requested addresses (E1): the account's configured ones first."""
        self._settle_requests(login)
        account = self._account(login)
        records = [r for r in self.store.records(SENDER) if r.login == login]
        known = {r.address.casefold() for r in records}
        configured = [SenderAddress(login, a, APPROVE, self.platform.now()) for a in account.email_senders
                      if a.casefold() not in known]
        return configured + [r for r in records if r.state in (REQUEST, APPROVE)]

    def default_sender(self, login: str) -> str | None:
        approved = [s for s in self.senders(login) if s.state == APPROVE]
        return approved[0].address if approved else None

    def request_sender(self, login: str, raw: str | None) -> SenderAddress:
        """A request the platform's manager decides (§7.4.1): approved at once, after the
        account's `sender_approval_delay` of virtual time, or only when told (None)."""
        if not raw or not raw.strip():
            raise errors.MissingArgument("SenderAddress")
        address = normalize_email(raw)
        if address is None:
            raise errors.Refused("invalid_email", address=raw.strip())
        self._settle_requests(login)
        account = self._account(login)
        existing = self.store.get(SENDER, _key(login, address.casefold()))
        if (existing is not None and existing.state in (REQUEST, APPROVE)) or \
                any(a.casefold() == address.casefold() for a in account.email_senders):
            raise errors.Refused("sender_exists", address=address)
        now, delay = self.platform.now(), account.sender_approval_delay
        record = SenderAddress(login, address, REQUEST, now,
                               approve_at=None if delay is None else now + timedelta(seconds=delay))
        if delay == 0:
            self._decide(record, APPROVE, now)
        else:
            self.store.put(SENDER, _key(login, address.casefold()), record)
        return record

    def decide_sender(self, login: str, raw: str, state: int) -> SenderAddress:
        """The manager's answer to a request (or a change of mind): APPROVE or REJECT."""
        self._settle_requests(login)
        record = self.store.get(SENDER, _key(login, (raw or "").strip().casefold()))
        if record is None or record.state == DELETED_ADDRESS:
            raise errors.NotFound("source address", raw)
        self._decide(record, state, self.platform.now())
        return record

    def _decide(self, record: SenderAddress, state: int, at: datetime) -> None:
        record.state, record.approve_at = state, None
        record.approved_at = at if state == APPROVE else None
        self.store.put(SENDER, _key(record.login, record.address.casefold()), record)
        account = self._account(record.login)
        listed = any(a.casefold() == record.address.casefold() for a in account.email_senders)
        if state == APPROVE and account.email_senders and not listed:
            account.email_senders.append(record.address)  # a restricted account: it joins the list
            self.store.save_account(account)
        elif state != APPROVE and listed:
            account.email_senders = [a for a in account.email_senders if a.casefold() != record.address.casefold()]
            self.store.save_account(account)

    def _settle_requests(self, login: str) -> None:
        """Requests whose approval time has come are approved, at that virtual instant."""
        now = self.platform.now()
        for record in self.store.records(SENDER):
            if record.login == login and record.state == REQUEST and record.approve_at and record.approve_at <= now:
                self._decide(record, APPROVE, record.approve_at)

    def delete_sender(self, login: str, raw: str) -> None:
        address = (raw or "").strip()
        record = self.store.get(SENDER, _key(login, address.casefold()))
        account = self._account(login)
        configured = [a for a in account.email_senders if a.casefold() == address.casefold()]
        if (record is None or record.state == DELETED_ADDRESS) and not configured:
            raise errors.NotFound("source address", address)
        if record is None:
            record = SenderAddress(login, configured[0], DELETED_ADDRESS, self.platform.now())
        record.state = DELETED_ADDRESS
        self.store.put(SENDER, _key(login, address.casefold()), record)
        if configured:
            account.email_senders = [a for a in account.email_senders if a.casefold() != address.casefold()]
            self.store.save_account(account)

    def sender_allowed(self, login: str, address: str | None) -> bool:
        if not address:
            return False
        self._settle_requests(login)
        record = self.store.get(SENDER, _key(login, address.casefold()))
        if record is not None and record.state != APPROVE:
            return False
        return self._account(login).email_sender_allowed(address)

    def _account(self, login: str):
        account = self.platform.account(login)
        if account is None:
            raise errors.InvalidCredentials()
        return account

    # --- templates (E9–E13) ----------------------------------------------------------------------

    def templates(self, login: str) -> list[Template]:
        return [t for t in self.store.records(TEMPLATE) if t.login == login]

    def template(self, login: str, template_id: object) -> Template:
        template = self.store.get(TEMPLATE, _key(login, template_id))
        if template is None:
            raise errors.NotFound("template", template_id)
        return template

    def resolve_template(self, login: str, reference: str | None) -> Template | None:
        """A reference from a campaign or message: the internal id, else UserTemplateId (A-14)."""
        if reference is None or not str(reference).strip():
            return None
        reference = str(reference).strip()
        found = self.store.get(TEMPLATE, _key(login, reference))
        if found is None:
            found = next((t for t in self.templates(login) if t.user_template_id == reference), None)
        if found is None:
            raise errors.Refused("template_missing", id=reference)
        return found

    def save_template(self, login: str, name: str | None, letter: Letter, user_template_id: str | None,
                      template_id: int | None = None) -> Template:
        if template_id is not None:
            self.template(login, template_id)
        if not name or not name.strip():
            raise errors.MissingArgument("Name")
        if letter.html is None and letter.plain is None:
            raise errors.MissingArgument("Body")
        self._check_letter(login, letter, macros=True)
        if template_id is None:
            [template_id] = self.store.next_ids(TEMPLATE, 1, TEMPLATE_ID_START)
        template = Template(template_id, login, name.strip(), letter, user_template_id or None)
        self.store.put(TEMPLATE, _key(login, template_id), template)
        return template

    def delete_template(self, login: str, template_id: object) -> None:
        template = self.template(login, template_id)
        self.store.delete(TEMPLATE, _key(login, template.id))

    def _check_letter(self, login: str, letter: Letter, macros: bool) -> None:
        """The documented checks a letter goes through (§4 E6, §5 E11), in their order."""
        self.refuse_stop_words(login, "Text", letter.html, letter.plain)
        if macros and not all(m in letter.text for m in MACROS):
            raise errors.Refused("macros_missing")
        self.refuse_stop_words(login, "Subject", letter.subject)
        if letter.size() > MAX_CONTENT:
            raise errors.Refused("too_big")
        self.refuse_stop_words(login, "Sender.Name", letter.sender_name)
        if letter.sender_address:
            address = normalize_email(letter.sender_address)
            if address is None:
                raise errors.Refused("invalid_email", address=letter.sender_address)
            if not self.sender_allowed(login, address):
                raise errors.Refused("sender_not_approved", address=address)

    def refuse_stop_words(self, login: str, field_name: str, *texts: str | None) -> None:
        """Refused("stop_words") when one of the account's stop words stands in `texts` as a
        word of its own, in any letter case."""
        account = self.platform.store.account(login)
        if account is None or not account.stop_words:
            return
        words = tuple(account.stop_words)
        if any(text and _has_stop_word(text, words) for text in texts):
            raise errors.Refused("stop_words", field=field_name)

    # --- campaigns (E4–E8) ------------------------------------------------------------------------

    def tasks(self, login: str, include_deleted: bool = False) -> list[Task]:
        self.platform.tick()
        return [t for t in self.store.records(TASK) if t.login == login and (include_deleted or t.state != DELETED)]

    def task(self, login: str, task_id: object) -> Task:
        self.platform.tick()
        task = self.store.get(TASK, _key(login, task_id))
        if task is None:
            raise errors.NotFound("task", task_id)
        return task

    def save_task(self, login: str, draft: TaskDraft, task_id: int | None = None) -> Task:
        """Create (E6) or replace (E7, only in New) a campaign, with its counters."""
        if task_id is not None:
            existing = self.task(login, task_id)
            if existing.state != NEW:
                raise errors.Refused("task_not_new")
        template = self.resolve_template(login, draft.template_id)
        if template is not None:  # the template fills what the campaign leaves out
            own, base = draft.letter, template.letter
            draft.letter = Letter(own.sender_address or base.sender_address, own.sender_name or base.sender_name,
                                  own.subject or base.subject, own.html if own.html is not None else base.html,
                                  own.plain if own.plain is not None else base.plain)
        letter = draft.letter
        for name, value in (("Name", draft.name), ("Sender", letter.sender_address), ("Subject", letter.subject)):
            if not value or not str(value).strip():
                raise errors.MissingArgument(name)
        if letter.html is None and letter.plain is None:
            raise errors.MissingArgument("Text")
        self._check_letter(login, letter, macros=True)
        for group_id, _ in draft.groups:
            if self.store.get("addressbook.group", _key(login, group_id)) is None:
                raise errors.Refused("group_missing", id=group_id)
        if draft.type not in TASK_TYPES:
            raise errors.Refused("task_type")
        if draft.end_at and draft.start_at and draft.end_at <= draft.start_at:
            raise errors.InvalidArgument("EndDateTime", "EndDateTime must be after StartDateTime")
        counters, recipients = self._recipients(login, draft)
        if len(recipients) > MAX_RECIPIENTS:
            raise errors.Refused("recipients_limit")
        if task_id is None:
            [task_id] = self.store.next_ids(TASK, 1, TASK_ID_START)
            task = Task(task_id, login, draft, NEW, self.platform.now())
        else:
            task = existing
            task.draft = draft
        task.counters, task.recipients = counters, recipients
        self.store.put(TASK, _key(login, task_id), task)
        return task

    def _recipients(self, login: str, draft: TaskDraft) -> tuple[dict, list[dict]]:
        """Counted in the documented order (§4 E6): duplicates, excluded, unsubscribed."""
        book = self.addressbook
        candidates = []
        for group_id in dict.fromkeys(g for g, included in draft.groups if included):
            candidates.extend(book.contacts_of(login, group_id))
        for contact_id in dict.fromkeys(c for c, included in draft.contacts if included):
            contact = self.store.get("addressbook.contact", _key(login, contact_id))
            if contact is not None:
                candidates.append(contact)
        excluded_ids = {c for c, included in draft.contacts if not included}
        for group_id in {g for g, included in draft.groups if not included}:
            excluded_ids.update(c.id for c in book.contacts_of(login, group_id))
        counters = {"Duplicates": 0, "Excluded": 0, "Unsubscribed": 0, "OverPackage": 0}
        seen_ids: set[int] = set()
        seen_emails: set[str] = set()
        recipients = []
        for contact in candidates:
            if not contact.email or contact.id in seen_ids:
                continue  # the same contact twice (a group and by id) is one recipient
            seen_ids.add(contact.id)
            folded = contact.email.casefold()
            if folded in seen_emails and not draft.send_duplicates:
                counters["Duplicates"] += 1
                continue
            seen_emails.add(folded)
            if contact.id in excluded_ids:
                counters["Excluded"] += 1
                continue
            if book.is_unsubscribed(login, contact.email):
                counters["Unsubscribed"] += 1
                continue
            fields = {k: v for k, v in (("FirstName", contact.first_name), ("MiddleName", contact.middle_name),
                                        ("LastName", contact.last_name), ("Email", contact.email),
                                        ("PhoneNumber", contact.phone), ("ExtraField1", contact.extra1),
                                        ("ExtraField2", contact.extra2)) if v}
            fields.update(contact.merge_fields)
            name = " ".join(p for p in (contact.first_name, contact.last_name) if p) or None
            recipients.append({"contact_id": contact.id, "email": contact.email, "name": name, "fields": fields})
        package = self._account(login).email_package
        if package is not None and len(recipients) > package:  # nothing is sent to those beyond it
            counters["OverPackage"] = len(recipients) - package
            recipients = recipients[:package]
        counters["TotalContacts"] = len(recipients)
        counters["SpamScore"] = self._account(login).email_spam_score  # the letter's, as saved
        return counters, recipients

    def set_state(self, login: str, task_id: object, state: str) -> Task:
        task = self.task(login, task_id)
        if state == task.state:
            return task
        if state not in TRANSITIONS[task.state]:
            raise errors.Refused("state_transition", **{"from": task.state, "to": state})
        task.state = state
        task.run += 1
        task.next_batch_at = None  # the batch of the old run, if any, is void
        now = self.platform.now()
        if state == CREATED:  # ready: starts by itself at StartDateTime (or at once)
            start = max(task.draft.start_at or now, now)
            self._schedule(task, start)
        elif state == STARTED:  # from Created: at once; from Stopped: resumes
            self._schedule(task, now)
        elif state in (FINISHED, FAILED, CANCELED):
            task.finished_at = now
        self.store.put(TASK, _key(login, task.id), task)
        self.platform.tick()
        return task

    def _schedule(self, task: Task, when: datetime) -> None:
        """The next batch at `when`; the caller writes the task back."""
        task.next_batch_at = when
        run = task.run
        self.platform.scheduler.at(when, lambda login=task.login, i=task.id: self._emit_batch(login, i, run))

    def reschedule(self) -> None:
        """Schedule again the next batch of every running campaign, from its record (a restart
        on a kept store; the scheduler is only an index). A batch is sent and its record
        updated in one go, so no recipient gets the letter twice."""
        for task in self.store.records(TASK):
            if task.next_batch_at is not None and task.state in (CREATED, STARTED):
                self._schedule(task, task.next_batch_at)

    def _emit_batch(self, login: str, task_id: int, run: int) -> None:
        task = self.store.get(TASK, _key(login, task_id))
        if task is None or task.run != run or task.state not in (CREATED, STARTED):
            return  # stopped, cancelled, edited or forgotten since
        now = self.platform.now()
        task.next_batch_at = None
        if task.state == CREATED:
            task.state = STARTED
        if task.started_at is None:
            task.started_at = now
        if task.draft.type == BIRTHDAY:
            self._birthday_run(task, now)
            self.store.put(TASK, _key(login, task.id), task)
            return
        smooth = task.draft.end_at is not None and task.recipients
        size = 1 if smooth else SEND_BATCH
        batch = task.recipients[task.emitted:task.emitted + size]
        for recipient in batch:
            self._send_letter(task, recipient)
        task.emitted += len(batch)
        if task.emitted >= len(task.recipients):
            task.state, task.finished_at = FINISHED, now
        else:
            if smooth:
                spacing = (task.draft.end_at - max(task.draft.start_at or task.started_at, task.started_at)) \
                    / len(task.recipients)
                when = max(task.started_at + spacing * task.emitted, now)
            else:
                when = now + timedelta(seconds=size / self.send_rate)
            self._schedule(task, when)
        self.store.put(TASK, _key(login, task.id), task)

    def _send_letter(self, task: Task, recipient: dict) -> None:
        """The campaign's letter, personalised, to one recipient (unless unsubscribed since)."""
        from devino_mock.core.platform import ByAccount

        if self.addressbook.is_unsubscribed(task.login, recipient["email"]):
            task.counters["Unsubscribed"] += 1  # unsubscribed since the campaign was made
            return
        letter, fields = task.draft.letter, recipient["fields"]
        html, plain = personalise(letter.html, fields), personalise(letter.plain, fields)
        try:
            self.platform.send(ByAccount(task.login), SendRequest(
                source=letter.sender_address, destinations=[recipient["email"]],
                text=plain if plain is not None else html, transport=TASK_TRANSPORT, channel="email",
                subject=personalise(letter.subject, fields),
                extra={"task_id": task.id, "contact_id": recipient["contact_id"],
                       "recipient_name": recipient["name"], "sender_name": letter.sender_name,
                       "user_campaign_id": task.draft.user_campaign_id, "html": html}))
        except errors.PlatformError:
            task.failures += 1

    def _birthday_run(self, task: Task, now: datetime) -> None:
        """A birthday campaign (Type 2, email-http.md §7.4.3): once a day, at StartDateTime's time
        of day (UTC), the letter goes to the recipients whose contact's DateOfBirth falls on that
        day (29 February on the 28th in other years); it never finishes by itself. A day is sent
        once, however often the campaign is stopped and started again that day."""
        today = now.date()
        if task.birthdays_sent_on != today.isoformat():
            for recipient in task.recipients:
                contact = self.store.get("addressbook.contact", _key(task.login, recipient["contact_id"]))
                born = contact.date_of_birth if contact is not None else None
                if born is not None and _birthday_on(born, today):
                    self._send_letter(task, recipient)
                    task.emitted += 1
            task.birthdays_sent_on = today.isoformat()
        start = task.draft.start_at or task.started_at or now
        following = datetime.combine(today + timedelta(days=1), start.timetz())
        self._schedule(task, following)

    # --- transactional messages (E16, E17) -----------------------------------------------------------

    def send_messages(self, login: str, letter: Letter, recipients: list[Recipient], template_id: str | None,
                      user_campaign_id: str | None, user_message_id: str | None = None,
                      transport: str = MESSAGE_TRANSPORT) -> list[Message | errors.PlatformError]:
        """One message per recipient; request-level errors raise, a recipient's own error is
        its item of the answer (§7.4.4)."""
        from devino_mock.core.platform import ByAccount

        template = self.resolve_template(login, template_id)
        if template is not None:
            base = template.letter
            letter = Letter(letter.sender_address or base.sender_address, letter.sender_name or base.sender_name,
                            letter.subject or base.subject, letter.html if letter.html is not None else base.html,
                            letter.plain if letter.plain is not None else base.plain)
        if not letter.sender_address:
            raise errors.MissingArgument("Sender")
        if not recipients:
            raise errors.MissingArgument("Recipients")
        if letter.subject is None:
            raise errors.MissingArgument("Subject")
        if letter.html is None and letter.plain is None:
            raise errors.MissingArgument("Body")
        self._check_letter(login, letter, macros=False)
        results: list[Message | errors.PlatformError] = []
        for recipient in recipients:
            try:
                if recipient.recipient_id and len(recipient.recipient_id) > MAX_RECIPIENT_ID:
                    raise errors.Refused("recipient_id")
                if any(not MERGE_KEY_RE.match(str(k)) for k in recipient.merge_fields):
                    raise errors.Refused("merge_field")
                self.refuse_stop_words(login, "Recipients.Name", recipient.name)
                fields = {str(k): v for k, v in recipient.merge_fields.items()}
                html, plain = personalise(letter.html, fields), personalise(letter.plain, fields)
                [message] = self.platform.send(ByAccount(login), SendRequest(
                    source=letter.sender_address, destinations=[recipient.address or ""],
                    text=plain if plain is not None else html, transport=transport, channel="email",
                    subject=personalise(letter.subject, fields),
                    extra={k: v for k, v in (("recipient_id", recipient.recipient_id),
                                             ("recipient_name", recipient.name),
                                             ("sender_name", letter.sender_name),
                                             ("user_campaign_id", user_campaign_id),
                                             ("user_message_id", user_message_id), ("html", html)) if v}))
            except errors.PlatformError as exc:
                results.append(exc)
            else:
                results.append(message)
        return results

    # --- statistics (E14, E15, E18) --------------------------------------------------------------------

    def messages(self, login: str, task_id: int | None = None, start: datetime | None = None,
                 end: datetime | None = None, state: str | None = None) -> list[Message]:
        """The account's e-mail of every transport (HTTP, SMTP, campaigns), by campaign and/or
        creation time and/or state, oldest first."""
        chosen = []
        for message in self.platform.messages(channel="email", login=login):
            if task_id is not None and int(message.extra.get("task_id") or 0) != task_id:
                continue
            if start is not None and message.created_at < start:
                continue
            if end is not None and message.created_at > end:
                continue
            if state is not None and message.status != state:
                continue
            chosen.append(message)
        return sorted(chosen, key=lambda m: (m.created_at, int(m.id) if m.id.isdigit() else 0))
