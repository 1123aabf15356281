"""The drop folder on the event loop: it learns of every finished upload from the FTP thread,
polls on the virtual clock ("1 раз в 10 секунд", ftp.md §1), processes archives earliest first,
one after another, deletes them, and keeps a record of what each one became."""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from devino_mock.core import errors
from devino_mock.core.records import Message
from devino_mock.core.platform import ByAccount, Platform, SmsRequest
from devino_mock.protocols.ftp import archive
from devino_mock.protocols.ftp.batch import AUTO, DEFAULT_VALIDITY_MINUTES, MODES, Batch, build

log = logging.getLogger("devino_mock.ftp")

PENDING, UPLOADING, PROCESSED, REJECTED, IGNORED, REMOVED, REPLACED = (
    "pending", "uploading", "processed", "rejected", "ignored", "removed", "replaced")
MAX_UPLOAD_BYTES = 32 * 1024 * 1024
CLIENT_UTC_OFFSET_HOURS = 3.0  # "локальное время Клиента": Moscow unless arranged otherwise
PLAIN_MODE_SENDER = "DEVINO"  # without template the sender is set by support (ftp.md §3)
SAFE_HOME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")


@dataclass
class AccountOptions:
    """What support would arrange for an account (ftp.md §2.1, §3): its mode, file encoding,
    the sender and validity used without template, and the client's UTC offset."""

    mode: str = AUTO
    encoding: str | None = None
    sender: str | None = None
    validity: int = DEFAULT_VALIDITY_MINUTES
    utc_offset: float = CLIENT_UTC_OFFSET_HOURS

    @classmethod
    def from_dict(cls, data: dict) -> "AccountOptions":
        if not isinstance(data, dict):
            raise ValueError("FTP options are a JSON object")
        unknown = set(data) - {"mode", "encoding", "sender", "validity", "utc_offset"}
        if unknown:
            raise ValueError(f"unknown FTP options {sorted(unknown)}")
        options = cls()
        mode = data.get("mode", AUTO) or AUTO
        if mode not in MODES:
            raise ValueError(f"'mode' must be one of {list(MODES)}")
        options.mode = mode
        encoding = data.get("encoding") or None
        if encoding is not None:
            try:
                "".encode(str(encoding))
            except LookupError:
                raise ValueError(f"unknown encoding {encoding!r}") from None
            options.encoding = str(encoding)
        options.sender = str(data["sender"]) if data.get("sender") else None
        try:
            options.validity = int(data.get("validity", DEFAULT_VALIDITY_MINUTES))
            options.utc_offset = float(data.get("utc_offset", CLIENT_UTC_OFFSET_HOURS))
        except (TypeError, ValueError):
            raise ValueError("'validity' must be whole minutes and 'utc_offset' hours") from None
        if options.validity <= 0 or not -14 <= options.utc_offset <= 14:
            raise ValueError("'validity' must be above 0 and 'utc_offset' within -14..14")
        return options

    def to_dict(self) -> dict:
        return {"mode": self.mode, "encoding": self.encoding, "sender": self.sender,
                "validity": self.validity, "utc_offset": self.utc_offset}


@dataclass
class Upload:
    id: int
    login: str
    path: Path
    name: str
    ftp_path: str
    size: int
    uploaded_at: datetime
    status: str = PENDING
    note: str | None = None
    mode: str | None = None
    processed_at: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(1 for r in self.rows if r["status"] == "accepted")


def home_name(login: str) -> str:
    """A directory name for a login: the login itself when it is a safe file name."""
    if SAFE_HOME.match(login) and login not in (".", ".."):
        return login
    return "u_" + hashlib.sha256(login.encode("utf-8")).hexdigest()[:24]


class DropFolder:
    def __init__(self, platform: Platform, root: Path, poll_interval: float) -> None:
        self.platform = platform
        self.root = root
        self.poll_interval = poll_interval
        self.uploads: list[Upload] = []
        self.options: dict[str, AccountOptions] = {}
        self._ids = itertools.count(1)
        self._uploading: set[Path] = set()
        self._homes: set[Path] = set()  # only these are ever cleared: --ftp-root may hold other things
        self._poll_at: float | None = None
        self._generation = 0

    # --- the FTP thread's side: pure file-system work, no platform state ----------------

    def home(self, login: str) -> Path:
        home = self.root / home_name(login)
        home.mkdir(parents=True, exist_ok=True)
        self._homes.add(home)
        return home

    # --- called on the event loop ----------------------------------------------------------

    @property
    def next_poll(self) -> datetime | None:
        return None if self._poll_at is None else datetime.fromtimestamp(self._poll_at, tz=timezone.utc)

    def options_for(self, login: str) -> AccountOptions:
        return self.options.get(login) or AccountOptions()

    def upload_started(self, login: str, path: str) -> None:
        self._uploading.add(Path(path))

    def upload_aborted(self, login: str, path: str) -> None:
        file = Path(path)
        self._uploading.discard(file)
        for upload in self.uploads:
            if upload.status == PENDING and upload.path == file:
                upload.status, upload.note = REPLACED, "overwritten by an upload that did not finish"

    def upload_finished(self, login: str, path: str) -> None:
        file = Path(path)
        self._uploading.discard(file)
        home = (self.root / home_name(login)).resolve()
        for upload in self.uploads:
            if upload.status == PENDING and upload.path == file:
                upload.status, upload.note = REPLACED, "uploaded again before it was processed"
        try:
            size = file.stat().st_size
        except OSError:
            return  # gone already (a reset or a quick DELE); nothing to record
        where = file.resolve()
        upload = Upload(next(self._ids), login, file, file.name, "/" + _relative(where, home), size, self.platform.now())
        if where.parent != home:
            upload.status, upload.note = IGNORED, "only archives in the home folder are processed; left in place"
        elif not file.name.lower().endswith(".zip"):
            upload.status, upload.note = IGNORED, "not a .zip archive; left in place"
        else:
            self._schedule_poll()
        self.uploads.append(upload)

    def renamed(self, login: str, source: str, target: str) -> None:
        for upload in self.uploads:
            if upload.status == PENDING and upload.path == Path(source):
                upload.status, upload.note = REPLACED, f"renamed to {Path(target).name} before it was processed"
        self.upload_finished(login, target)

    def reset(self) -> None:
        """Forget every upload and delete every file in every home (POST /_mock/reset)."""
        self._generation += 1
        self.uploads.clear()
        self.options.clear()
        self._uploading.clear()
        self._poll_at = None
        for home in list(self._homes):
            if not home.is_dir() or home.is_symlink():
                continue
            for entry in home.iterdir():
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)

    # --- polling on the virtual clock ---------------------------------------------------

    def _schedule_poll(self) -> None:
        now = self.platform.clock.timestamp()
        # A poll already waiting will see this file. One left in the past was dropped with the
        # scheduler (a platform reset without ours), so schedule afresh.
        if self._poll_at is not None and self._poll_at >= now:
            return
        interval = self.poll_interval
        at = (math.floor(now / interval) + 1) * interval
        self._poll_at = at
        generation = self._generation
        self.platform.scheduler.at(datetime.fromtimestamp(at, tz=timezone.utc), lambda: self._poll(generation))

    def _poll(self, generation: int) -> None:
        if generation != self._generation:
            return
        self._poll_at = None
        due = [u for u in self.uploads if u.status == PENDING and u.path not in self._uploading]
        for upload in sorted(due, key=self._order):
            self._process(upload)

    def _order(self, upload: Upload) -> tuple:
        """Earliest first: by the YYYYMMDDhhmmss in the name, else by the upload time on the
        client's clock; then in upload order."""
        offset = timedelta(hours=self.options_for(upload.login).utc_offset)
        uploaded_local = (upload.uploaded_at + offset).replace(tzinfo=None)
        return (archive.stamp_of(upload.name) or uploaded_local, upload.id)

    # --- processing one archive -----------------------------------------------------------

    def _process(self, upload: Upload) -> None:
        try:
            self._process_archive(upload)
        except Exception as exc:  # one broken file must never stop the others
            log.exception("FTP archive %s of %s failed", upload.name, upload.login)
            upload.status, upload.note = REJECTED, f"internal error in devino-mock: {exc}"
        upload.processed_at = self.platform.now()

    def _process_archive(self, upload: Upload) -> None:
        try:
            with upload.path.open("rb") as file:
                data = file.read(MAX_UPLOAD_BYTES + 1)
        except FileNotFoundError:
            upload.status, upload.note = REMOVED, "deleted or renamed by the client before it was processed"
            return
        upload.path.unlink(missing_ok=True)  # processed files leave the folder (ftp.md §1)
        upload.warnings.extend(archive.name_warnings(upload.name, upload.login))
        options = self.options_for(upload.login)
        account = self.platform.account(upload.login)
        try:
            if account is None or not account.enabled:
                raise archive.ArchiveRejected(f"the account {upload.login!r} is disabled or gone", "forbidden")
            if len(data) > MAX_UPLOAD_BYTES:
                raise archive.ArchiveRejected(f"the file is larger than {MAX_UPLOAD_BYTES} bytes")
            plain_sender = options.sender or (account.senders[0] if account.senders else PLAIN_MODE_SENDER)
            batch = build(archive.read(data), options.mode, options.encoding, plain_sender, options.validity)
            upload.mode = batch.mode
            upload.warnings.extend(batch.warnings)
            if not account.sender_allowed(batch.source):
                raise archive.ArchiveRejected(f"the sender {batch.source!r} is not registered for this account",
                                              "invalid_source")
        except archive.ArchiveRejected as exc:
            upload.status, upload.note = REJECTED, str(exc)
            self._journal(upload, [], exc.kind)
            return
        messages = self._send(upload, batch, options)
        upload.status = PROCESSED
        self._journal(upload, messages, None)

    def _journal(self, upload: Upload, messages: list, error: str | None) -> None:
        """The platform's submissions journal (/_mock/submissions?transport=ftp) gets every
        archive that was looked at, like every mail the SMTP listener took."""
        details = {"file_id": upload.id, "name": upload.name, "path": upload.ftp_path, "size": upload.size,
                   "mode": upload.mode, "warnings": upload.warnings, "rows": upload.rows}
        self.platform.record_submission("ftp", "drop_folder", details, login=upload.login, messages=messages,
                                        error=error, reason=upload.note)

    def _send(self, upload: Upload, batch: Batch, options: AccountOptions) -> list[Message]:
        client_zone = timezone(timedelta(hours=options.utc_offset))
        credentials = ByAccount(upload.login)
        accepted: list[Message] = []
        for job in batch.jobs:
            row: dict = {"line": job.line, "phone": job.phone, "text": job.text}
            upload.rows.append(row)
            if job.error:
                row.update(status="rejected", error="invalid_senddate", detail=job.error)
                continue
            send_at = job.send_at
            if send_at is not None and not job.by_timezone:
                send_at = send_at.replace(tzinfo=client_zone)
            request = SmsRequest(
                source=batch.source, destinations=[job.phone], text=job.text, transport="ftp",
                send_at=send_at, by_timezone=job.by_timezone, validity_minutes=batch.validity_minutes,
                extra={"ftp_file": upload.name, "ftp_line": job.line},
            )
            try:
                [message] = self.platform.send(credentials, request)
            except errors.PlatformError as exc:
                row.update(status="rejected", error=exc.kind, detail=exc.detail)
            else:
                row.update(status="accepted", message_id=message.id, ids=list(message.ids))
                accepted.append(message)
        return accepted


def _relative(file: Path, home: Path) -> str:
    try:
        return file.relative_to(home).as_posix()
    except ValueError:
        return file.name
