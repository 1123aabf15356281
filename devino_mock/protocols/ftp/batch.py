"""From an archive's files to one SMS job per row, in either documented mode:
with a template (contacts.csv + template.csv, ftp.md §2) or without (one .csv/.txt with
TELNR_LONG;TEXT, ftp.md §3). Nothing here talks to the platform."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from devino_mock.protocols.ftp.archive import ArchiveRejected, Contents
from devino_mock.protocols.ftp.tables import FileRejected, Table, decode, parse_senddate, read_table, require_columns

TEMPLATE, PLAIN, AUTO = "template", "plain", "auto"
MODES = (AUTO, TEMPLATE, PLAIN)
DEFAULT_VALIDITY_MINUTES = 1440  # "по умолчанию подставляется 1440 = 24 часа" (ftp.md §2.3, §3)
PLACEHOLDER = re.compile(r"#([A-Za-z0-9_]+)#")
TRUE_FLAGS, FALSE_FLAGS = {"1", "true", "yes", "да"}, {"", "0", "false", "no", "нет"}


@dataclass
class Job:
    line: int
    phone: str
    text: str
    send_at: datetime | None  # naive: the client's wall clock, or the subscriber's with by_timezone
    by_timezone: bool = False
    error: str | None = None  # a row that cannot become an SMS (e.g. an unreadable senddate)


@dataclass
class Batch:
    mode: str
    source: str
    validity_minutes: int
    jobs: list[Job]
    warnings: list[str] = field(default_factory=list)


def build(contents: Contents, mode: str, encoding: str | None, plain_sender: str, plain_validity: int) -> Batch:
    warnings = list(contents.warnings)
    try:
        chosen = _mode(contents, mode)
        if chosen == TEMPLATE:
            batch = _template(contents, encoding, warnings)
        else:
            batch = _plain(contents, encoding, warnings, plain_sender, plain_validity)
    except FileRejected as exc:
        raise ArchiveRejected(str(exc)) from None
    batch.warnings = warnings
    return batch


def _mode(contents: Contents, mode: str) -> str:
    files = contents.files
    data_files = [n for n in files if n.endswith((".csv", ".txt"))]
    has_template = "contacts.csv" in files and "template.csv" in files
    half_template = mode == AUTO and not has_template and ("contacts.csv" in files or "template.csv" in files)
    if mode == TEMPLATE or (mode == AUTO and has_template) or half_template:
        if not has_template:
            missing = [n for n in ("contacts.csv", "template.csv") if n not in files]
            raise ArchiveRejected(f"template mode needs sms/contacts.csv and sms/template.csv; missing {', '.join(missing)}")
        return TEMPLATE
    if len(data_files) == 1:
        return PLAIN
    if mode == PLAIN:
        raise ArchiveRejected(f"mode without template needs exactly one .csv or .txt file in sms/; found {len(data_files)}")
    raise ArchiveRejected("expected sms/contacts.csv and sms/template.csv (with template) "
                          f"or one .csv/.txt file (without template); found {sorted(contents.names.values()) or 'none'}")


def _table(contents: Contents, key: str, encoding: str | None, warnings: list[str]) -> Table:
    name = contents.names[key]
    table = read_table(decode(contents.files[key], name, encoding, warnings), name)
    for column in table.empty_columns():
        warnings.append(f"{name}: column {column!r} is empty in every row (omit unneeded columns, ftp.md §2.4)")
    return table


def _template(contents: Contents, encoding: str | None, warnings: list[str]) -> Batch:
    template = _table(contents, "template.csv", encoding, warnings)
    contacts = _table(contents, "contacts.csv", encoding, warnings)
    require_columns(template, "message", "sourceaddress")
    require_columns(contacts, "phone")
    if len(template.rows) != 1:
        raise ArchiveRejected(f"template.csv must have exactly one data row; it has {len(template.rows)}")
    settings = template.rows[0].values
    message = settings.get("message", "")
    source = settings.get("sourceaddress", "")
    if not message:
        raise ArchiveRejected("template.csv: message is empty")
    if not source:
        raise ArchiveRejected("template.csv: sourceaddress is empty")
    validity = _validity(settings.get("validity", ""))
    default_send = _senddate(settings.get("senddate", ""), "template.csv")
    by_timezone = _flag(settings.get("localtime", ""))
    jobs = []
    for row in contacts.rows:
        values = row.values
        text = PLACEHOLDER.sub(lambda m: values.get(m.group(1).lower(), ""), message)
        job = Job(row.line, values.get("phone", ""), text, default_send, by_timezone)
        own = values.get("senddate", "")
        if own:
            job.send_at = parse_senddate(own)
            if job.send_at is None:
                job.error = f"senddate {own!r} is not YYYY-MM-DDThh:mm:ss (years 1753-9998)"
        jobs.append(job)
    return Batch(TEMPLATE, source, validity, jobs)


def _plain(contents: Contents, encoding: str | None, warnings: list[str], sender: str, validity: int) -> Batch:
    [key] = [n for n in contents.files if n.endswith((".csv", ".txt"))]
    table = _table(contents, key, encoding, warnings)
    require_columns(table, "TELNR_LONG", "TEXT")
    jobs = [Job(row.line, row.values.get("telnr_long", ""), row.values.get("text", ""), None) for row in table.rows]
    return Batch(PLAIN, sender, validity, jobs)


def _validity(text: str) -> int:
    if not text:
        return DEFAULT_VALIDITY_MINUTES
    try:
        minutes = int(text)
    except ValueError:
        minutes = 0
    if minutes <= 0:
        raise ArchiveRejected(f"template.csv: validity {text!r} is not a whole number of minutes above 0")
    return minutes


def _senddate(text: str, name: str) -> datetime | None:
    if not text:
        return None
    value = parse_senddate(text)
    if value is None:
        raise ArchiveRejected(f"{name}: senddate {text!r} is not YYYY-MM-DDThh:mm:ss (years 1753-9998)")
    return value


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value in TRUE_FLAGS:
        return True
    if value in FALSE_FLAGS:
        return False
    raise ArchiveRejected(f"template.csv: localtime {text!r} is neither 1 nor 0")
