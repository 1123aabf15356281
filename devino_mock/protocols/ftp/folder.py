"""The drop folder on the event loop: it learns of every finished upload from the FTP thread,
polls on the virtual clock ("1 раз в 10 секунд", ftp.md §1), processes archives earliest first,
one after another, deletes them, and keeps a record of what each one became.

The records (uploads and the per-account arrangements) live in the platform's store, so with
--data-dir they survive a restart; an archive not yet processed stays on disk in its home
until the next poll, which `resume()` schedules again after a restart."""

from __future__ import annotations

import asyncio
import collections
import hashlib
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
from devino_mock.gcpolicy import settle
from devino_mock.protocols.slicing import SETTLE_EVERY, Slices
from devino_mock.protocols.ftp.batch import AUTO, DEFAULT_VALIDITY_MINUTES, MODES, Batch, build

log = logging.getLogger("devino_mock.ftp")

PENDING, UPLOADING, PROCESSED, REJECTED, IGNORED, REMOVED, REPLACED = (
    "pending", "uploading", "processed", "rejected", "ignored", "removed", "replaced")
PROCESSING = "processing"  # a large archive being sent in slices
# Above this many uncompressed bytes (about 2,500 rows) an archive is parsed off the loop and
# sent in slices, so no upload holds the event loop for long (issue 9).
LARGE_ARCHIVE_BYTES = 64 * 1024
MAX_UPLOAD_BYTES = 32 * 1024 * 1024
CLIENT_UTC_OFFSET_HOURS = 3.0  # "локальное время Клиента": Moscow unless arranged otherwise
PLAIN_MODE_SENDER = "DEVINO"  # without template the sender is set by support (ftp.md §3)
SAFE_HOME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
# The store's record kinds: one Upload per uploaded file (keyed by its id), one AccountOptions
# per login that has arrangements; upload ids come from the store's sequence of the same name.
UPLOAD, OPTIONS = "ftp.upload", "ftp.options"


@dataclass
class AccountOptions:
    """What support would arrange for an account (ftp.md §2.1, §3): its mode, file encoding,
    the sender and validity used without template, and the client's UTC offset."""

    mode: str = AUTO
    encoding: str | None = None
    sender: str | None = None
    validity: int = DEFAULT_VALIDITY_MINUTES
    utc_offset: float = CLIENT_UTC_OFFSET_HOURS
    login: str | None = None  # the account they are kept for (the store key), not an option

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
    path: str  # where the file lies on disk (a string: the record is stored as plain data)
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
        return sum(1 for r in self.rows if r.get("status") == "accepted")

    @property
    def file(self) -> Path:
        return Path(self.path)


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
        self.store = platform.store
        self._uploading: set[Path] = set()
        self._homes: set[Path] = set()  # only these are ever cleared: --ftp-root may hold other things
        self._poll_at: float | None = None
        self._generation = 0
        self._queue: collections.deque[Upload] = collections.deque()
        self._worker: asyncio.Task | None = None

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

    # --- the records ---------------------------------------------------------------------

    def uploads(self) -> list[Upload]:
        """Every recorded upload, oldest first."""
        return sorted(self.store.records(UPLOAD), key=lambda u: u.id)

    def upload(self, upload_id: str) -> Upload | None:
        return self.store.get(UPLOAD, upload_id)  # type: ignore[return-value]

    def _save(self, upload: Upload) -> None:
        self.store.put(UPLOAD, str(upload.id), upload)

    def _keep(self, upload: Upload) -> None:
        """Write back an upload after its processing, unless a reset forgot it meanwhile."""
        if self.store.get(UPLOAD, str(upload.id)) is upload:
            self._save(upload)

    def _commit(self) -> None:
        """Make what was just recorded durable. The FTP thread's calls and the large-archive
        task run outside any HTTP request, whose answer would otherwise commit it."""
        self.store.flush()

    def options_for(self, login: str) -> AccountOptions:
        return self.store.get(OPTIONS, login) or AccountOptions()  # type: ignore[return-value]

    def set_options(self, login: str, options: AccountOptions) -> None:
        options.login = login
        self.store.put(OPTIONS, login, options)

    def drop_options(self, login: str) -> None:
        self.store.delete(OPTIONS, login)

    def _pending_at(self, file: Path) -> list[Upload]:
        return [u for u in self.store.records(UPLOAD) if u.status == PENDING and u.file == file]

    # --- what the FTP thread reports ----------------------------------------------------------

    def upload_started(self, login: str, path: str) -> None:
        self._uploading.add(Path(path))

    def upload_aborted(self, login: str, path: str) -> None:
        file = Path(path)
        self._uploading.discard(file)
        for upload in self._pending_at(file):
            upload.status, upload.note = REPLACED, "overwritten by an upload that did not finish"
            self._save(upload)
        self._commit()

    def upload_finished(self, login: str, path: str) -> None:
        self._record(login, Path(path))
        self._commit()

    def _record(self, login: str, file: Path) -> None:
        self._uploading.discard(file)
        home = (self.root / home_name(login)).resolve()
        for upload in self._pending_at(file):
            upload.status, upload.note = REPLACED, "uploaded again before it was processed"
            self._save(upload)
        try:
            size = file.stat().st_size
        except OSError:
            return  # gone already (a reset or a quick DELE); nothing to record
        where = file.resolve()
        [number] = self.store.next_ids(UPLOAD, 1, 1)
        upload = Upload(number, login, str(file), file.name, "/" + _relative(where, home), size, self.platform.now())
        if where.parent != home:
            upload.status, upload.note = IGNORED, "only archives in the home folder are processed; left in place"
        elif not file.name.lower().endswith(".zip"):
            upload.status, upload.note = IGNORED, "not a .zip archive; left in place"
        else:
            self._schedule_poll()
        self._save(upload)

    def renamed(self, login: str, source: str, target: str) -> None:
        for upload in self._pending_at(Path(source)):
            upload.status, upload.note = REPLACED, f"renamed to {Path(target).name} before it was processed"
            self._save(upload)
        self._record(login, Path(target))
        self._commit()

    # --- resets and restarts ------------------------------------------------------------------

    def resume(self) -> None:
        """Pick up where a previous run on the same store stopped (--data-dir): its homes are
        cleared by a reset too, archives still pending are processed at the next poll, and an
        archive that was being sent when the process stopped is settled from the journal."""
        uploads = self.uploads()
        logins = {u.login for u in uploads} | {a.login for a in self.platform.accounts()}
        for login in logins:
            home = self.root / home_name(login)
            if home.is_dir() and not home.is_symlink():
                self._homes.add(home)
        interrupted = [u for u in uploads if u.status == PROCESSING]
        if interrupted:
            self._settle_interrupted(interrupted)
        if any(u.status == PENDING for u in uploads):
            self._schedule_poll()
        self._commit()

    def _settle_interrupted(self, uploads: list[Upload]) -> None:
        """A large archive is sent row by row and its record written when it is done, so one
        cut off by a stop lists no rows yet. Each row that was sent is a message marked with
        the file's id: those become its rows; the rest of the archive is not sent (sending it
        again could send some rows twice)."""
        by_id = {u.id: u for u in uploads}
        sent: dict[int, list[Message]] = {u.id: [] for u in uploads}
        for message in self.store.messages():
            file_id = message.extra.get("ftp_file_id")
            if message.transport == "ftp" and file_id in by_id and message.login == by_id[file_id].login:
                sent[file_id].append(message)
        for upload in uploads:
            messages = sent[upload.id]
            upload.rows = [{"line": m.extra.get("ftp_line"), "phone": m.destination, "text": m.text,
                            "status": "accepted", "message_id": m.id, "ids": list(m.ids)} for m in messages]
            upload.status = PROCESSED if messages else REJECTED
            upload.note = (f"devino-mock stopped while sending this archive; {len(messages)} rows were sent "
                           "before it (listed), the others were not")
            upload.processed_at = self.platform.now()
            self._journal(upload, messages, "internal_error")
            self._save(upload)

    def reset(self) -> None:
        """Forget every upload and delete every file in every home (POST /_mock/reset)."""
        self._generation += 1
        for upload in self.store.records(UPLOAD):
            self.store.delete(UPLOAD, str(upload.id))
        for options in self.store.records(OPTIONS):
            self.store.delete(OPTIONS, options.login)
        self._uploading.clear()
        self._queue.clear()
        self._poll_at = None
        for home in list(self._homes):
            if not home.is_dir() or home.is_symlink():
                continue
            for entry in home.iterdir():
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)

    def forget_login(self, login: str) -> None:
        """A scoped reset (mock-interface.md §13): one account's uploads, options and files go."""
        for upload in self.store.records(UPLOAD):
            if upload.login == login:
                self.store.delete(UPLOAD, str(upload.id))
        self.drop_options(login)
        self._queue = type(self._queue)(u for u in self._queue if u.login != login)
        home = self.home(login)
        if home.is_dir() and not home.is_symlink():
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
        due = [u for u in self.uploads()
               if u.status == PENDING and u.file not in self._uploading and u not in self._queue]
        self._queue.extend(sorted(due, key=self._order))
        self._drain()

    def _order(self, upload: Upload) -> tuple:
        """Earliest first: by the YYYYMMDDhhmmss in the name, else by the upload time on the
        client's clock; then in upload order."""
        offset = timedelta(hours=self.options_for(upload.login).utc_offset)
        uploaded_local = (upload.uploaded_at + offset).replace(tzinfo=None)
        return (archive.stamp_of(upload.name) or uploaded_local, upload.id)

    # --- processing one archive -----------------------------------------------------------

    def _drain(self) -> None:
        """Process queued archives one after another. A small one is done at once (a test
        that advances the clock sees it processed); a large one is read off the loop and sent
        in slices by a task, PROCESSING meanwhile, and the ones behind it wait their turn."""
        while self._queue and self._worker is None:
            upload = self._queue.popleft()
            if upload.status != PENDING:
                continue
            data = self._take(upload)
            if data is None:
                self._keep(upload)
                continue
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # driven without a loop (a unit test): all at once
                loop = None
            size = archive.uncompressed_size(data)
            # Small archives, and ones claiming more than is ever accepted (refused before
            # anything is inflated), are settled at once: a poll that finds them ends with them.
            if loop is None or size <= LARGE_ARCHIVE_BYTES or size > archive.MAX_UNCOMPRESSED:
                self._process(upload, data)
                continue
            upload.status = PROCESSING
            self._keep(upload)
            self._worker = loop.create_task(self._process_large(upload, data, self._generation))
            self._worker.add_done_callback(self._worker_done)

    def _worker_done(self, task: asyncio.Task) -> None:
        self._worker = None
        self._drain()
        self._commit()

    def _take(self, upload: Upload) -> bytes | None:
        """The archive's bytes, removed from the folder (processed files leave it, ftp.md §1)."""
        try:
            with upload.file.open("rb") as file:
                data = file.read(MAX_UPLOAD_BYTES + 1)
        except FileNotFoundError:
            upload.status, upload.note = REMOVED, "deleted or renamed by the client before it was processed"
            upload.processed_at = self.platform.now()
            return None
        upload.file.unlink(missing_ok=True)
        return data

    def _process(self, upload: Upload, data: bytes) -> None:
        try:
            self._finish(upload, self._checked(upload, self._build(upload, data)))
        except _Rejected:
            pass
        except Exception as exc:  # one broken file must never stop the others
            self._failed(upload, exc)
        upload.processed_at = self.platform.now()
        self._keep(upload)

    async def _process_large(self, upload: Upload, data: bytes, generation: int) -> None:
        try:
            self._precheck(upload, data)
            options = self.options_for(upload.login)
            account = self.platform.account(upload.login)
            plain_sender = options.sender or (account.senders[0] if account and account.senders else PLAIN_MODE_SENDER)
            try:  # inflating, decoding and CSV parsing are pure: off the loop
                batch = await asyncio.to_thread(
                    lambda: build(archive.read(data), options.mode, options.encoding, plain_sender, options.validity))
            except archive.ArchiveRejected as exc:
                self._reject(upload, str(exc), exc.kind)
            settle()  # the rows just built live until they are sent: out of the collector's way
            if generation != self._generation:
                return  # a reset forgot this upload
            self._after_build(upload, batch)
            checked = []
            slices = Slices(settle_every=SETTLE_EVERY)  # rows become records kept for good
            for job in batch.jobs:
                await slices.pause()
                if generation != self._generation:
                    return
                checked.append(self._check_job(upload, batch, options, job))
            messages: list[Message] = []
            for row, request in checked:
                await slices.pause()
                if generation != self._generation:
                    return
                self._send_row(upload, row, request, messages)
            self._complete(upload, messages)
        except _Rejected:
            pass
        except Exception as exc:
            self._failed(upload, exc)
        upload.processed_at = self.platform.now()
        self._keep(upload)
        self._commit()

    def _precheck(self, upload: Upload, data: bytes) -> None:
        upload.warnings.extend(archive.name_warnings(upload.name, upload.login))
        account = self.platform.account(upload.login)
        if account is None or not account.enabled:
            self._reject(upload, f"the account {upload.login!r} is disabled or gone", "forbidden")
        if len(data) > MAX_UPLOAD_BYTES:
            self._reject(upload, f"the file is larger than {MAX_UPLOAD_BYTES} bytes", "format")

    def _build(self, upload: Upload, data: bytes) -> Batch:
        self._precheck(upload, data)
        options = self.options_for(upload.login)
        account = self.platform.account(upload.login)
        plain_sender = options.sender or (account.senders[0] if account and account.senders else PLAIN_MODE_SENDER)
        try:
            batch = build(archive.read(data), options.mode, options.encoding, plain_sender, options.validity)
        except archive.ArchiveRejected as exc:
            self._reject(upload, str(exc), exc.kind)
        self._after_build(upload, batch)
        return batch

    def _after_build(self, upload: Upload, batch: Batch) -> None:
        upload.mode = batch.mode
        upload.warnings.extend(batch.warnings)
        account = self.platform.account(upload.login)
        if account is None or not account.sender_allowed(batch.source):
            self._reject(upload, f"the sender {batch.source!r} is not registered for this account", "invalid_source")

    def _reject(self, upload: Upload, note: str, kind: str) -> None:
        upload.status, upload.note = REJECTED, note
        self._journal(upload, [], kind)
        raise _Rejected()

    def _failed(self, upload: Upload, exc: Exception) -> None:
        """A failure of devino-mock itself. Rows are validated before any is sent, so this
        happens before anything was charged; the rows' outcomes are dropped."""
        log.exception("FTP archive %s of %s failed", upload.name, upload.login)
        sent = [r for r in upload.rows if r.get("status") == "accepted"]
        upload.status = PROCESSED if sent else REJECTED
        upload.note = (f"internal error in devino-mock ({type(exc).__name__}); "
                       + (f"{len(sent)} rows were sent before it" if sent else "nothing was sent"))
        if not sent:
            upload.rows.clear()
        try:
            self._journal(upload, [], "internal_error")
        except Exception:
            log.exception("FTP archive %s of %s: not journaled", upload.name, upload.login)

    def _journal(self, upload: Upload, messages: list, error: str | None) -> None:
        """The platform's submissions journal (/_mock/submissions?transport=ftp) gets every
        archive that was looked at, like every mail the SMTP listener took."""
        details = {"file_id": upload.id, "name": upload.name, "path": upload.ftp_path, "size": upload.size,
                   "mode": upload.mode, "warnings": upload.warnings, "rows": upload.rows}
        self.platform.record_submission("ftp", "drop_folder", details, login=upload.login, messages=messages,
                                        error=error, reason=upload.note)

    def _checked(self, upload: Upload, batch: Batch) -> list[tuple[dict, SmsRequest | None]]:
        options = self.options_for(upload.login)
        return [self._check_job(upload, batch, options, job) for job in batch.jobs]

    def _check_job(self, upload: Upload, batch: Batch, options: AccountOptions, job) -> tuple[dict, SmsRequest | None]:
        """Phase one: a row and the request it becomes, or the row rejected; nothing charged."""
        row: dict = {"line": job.line, "phone": job.phone, "text": job.text, "status": "rejected"}
        if job.error:
            row.update(error="invalid_senddate", detail=job.error)
            return row, None
        send_at = job.send_at
        if send_at is not None and not job.by_timezone:
            send_at = send_at.replace(tzinfo=timezone(timedelta(hours=options.utc_offset)))
        request = SmsRequest(
            source=batch.source, destinations=[job.phone], text=job.text, transport="ftp",
            send_at=send_at, by_timezone=job.by_timezone, validity_minutes=batch.validity_minutes,
            extra={"ftp_file": upload.name, "ftp_line": job.line, "ftp_file_id": upload.id},
        )
        try:
            self.platform.check(ByAccount(upload.login), request)
        except errors.PlatformError as exc:
            row.update(error=exc.kind, detail=exc.detail)
            return row, None
        return row, request

    def _send_row(self, upload: Upload, row: dict, request: SmsRequest | None, accepted: list[Message]) -> None:
        """Phase two: send a row that passed phase one. It can still be refused (an earlier
        row used the balance) and is then rejected whole: the core charges nothing for it."""
        upload.rows.append(row)
        if request is None:
            return
        try:
            [message] = self.platform.send(ByAccount(upload.login), request)
        except errors.PlatformError as exc:
            row.update(error=exc.kind, detail=exc.detail)
        except Exception as exc:
            log.exception("FTP row %s of %s failed", row["line"], upload.name)
            row.update(error="internal_error", detail=f"internal error in devino-mock ({type(exc).__name__})")
        else:
            row.update(status="accepted", message_id=message.id, ids=list(message.ids))
            accepted.append(message)

    def _finish(self, upload: Upload, checked: list[tuple[dict, SmsRequest | None]]) -> None:
        messages: list[Message] = []
        for row, request in checked:
            self._send_row(upload, row, request, messages)
        self._complete(upload, messages)

    def _complete(self, upload: Upload, messages: list[Message]) -> None:
        upload.status = PROCESSED
        self._journal(upload, messages, None)


class _Rejected(Exception):
    """The archive was rejected and recorded; stop processing it."""


def _relative(file: Path, home: Path) -> str:
    try:
        return file.relative_to(home).as_posix()
    except ValueError:
        return file.name
