"""The durable store: SQLite in a directory (--data-dir), WAL mode. Every record is also held in
memory (the MemoryStore it extends), so reads cost what they cost without persistence; changes
are marked and written in one transaction by `flush()`, which the platform calls before an answer
leaves (end of a send, end of every HTTP request) and the ticker calls after status steps.

Schema changes are SQL files in migrations/, applied in order and counted in PRAGMA user_version
(as Mailpit keeps its schema).

Several processes on one state (a PostgreSQL store, the next step) would need: `next_ids` as
database sequences (never handed out twice); the charge and the insert of a send in one
transaction (SELECT … FOR UPDATE on the account row, then INSERT the messages); `save_*` as
single-row UPDATEs guarded by the record's `version` (optimistic: a lost race re-reads and
retries); and scheduled work claimed once — the due steps and callback attempts read as
`SELECT … WHERE due <= now FOR UPDATE SKIP LOCKED`, so each is run by exactly one process, with
the in-memory heap replaced by that query (or kept as a per-process cache of its own claims)."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from importlib import resources
from pathlib import Path

from devino_mock.core.accounts import Account, Session
from devino_mock.core.records import Callback, Incoming, Message, Submission
from devino_mock.core.store import codec
from devino_mock.core.store.base import StoreError
from devino_mock.core.store.memory import MemoryStore

log = logging.getLogger("devino_mock.store")
FILE_NAME = "devino-mock.sqlite3"  # the first database; each reset starts the next: devino-mock.<n>.sqlite3
TABLES = ("accounts", "sessions", "messages", "incoming", "submissions", "callbacks", "rules", "kv", "records")


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("devino_mock.core.store").joinpath("migrations")
    found = []
    for item in folder.iterdir():
        if item.name.endswith(".sql"):
            found.append((int(item.name.split("_", 1)[0]), item.read_text(encoding="utf-8")))
    return sorted(found)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit survives the process being killed
    return db


def _migrate(db: sqlite3.Connection) -> None:
    (version,) = db.execute("PRAGMA user_version").fetchone()
    for number, script in _migrations():
        if number > version:
            db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def _generation_file(directory: Path, number: int) -> Path:
    return directory / (FILE_NAME if number == 0 else f"devino-mock.{number}.sqlite3")


def _generations(directory: Path) -> dict[int, Path]:
    """The database files in `directory` by generation (a reset starts the next one)."""
    found = {0: directory / FILE_NAME} if (directory / FILE_NAME).exists() else {}
    for path in directory.glob("devino-mock.*.sqlite3"):
        middle = path.name[len("devino-mock."):-len(".sqlite3")]
        if middle.isdigit():
            found[int(middle)] = path
    return found


def _remove(path: Path) -> None:
    for file in (path, *_sidecars(path)):
        file.unlink(missing_ok=True)


def _retire(db: sqlite3.Connection, path: Path) -> None:
    """Close a database a reset left behind and delete its files (in a thread: folding its log
    back in and freeing the blocks of a large file take tens of milliseconds)."""
    try:
        db.close()
        _remove(path)
    except (OSError, sqlite3.Error) as exc:
        log.warning("the old database %s could not be removed: %s", path, exc)


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class SqliteStore(MemoryStore):
    def __init__(self, directory: str | Path, max_messages: int | None = None) -> None:
        super().__init__(max_messages)
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            generations = _generations(self.directory)
            self._generation = max(generations, default=0)
            self.path = _generation_file(self.directory, self._generation)
            for number, older in generations.items():  # left by a reset the process did not outlive
                if number != self._generation:
                    _remove(older)
            for unfinished in self.directory.glob("devino-mock*.sqlite3.new*"):
                unfinished.unlink()
            self._db = _connect(self.path)
            _migrate(self._db)
            self._dirty: dict[str, dict] = {table: {} for table in TABLES}
            self._dirty_sequences: set[str] = set()
            self._rule_position = 0
            self._load()
        except (OSError, sqlite3.Error, ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"cannot use the data directory {directory}: {exc}") from None

    # --- schema and loading ----------------------------------------------------------------

    def _rows(self, sql: str):
        return self._db.execute(sql).fetchall()

    def _load(self) -> None:
        for (data,) in self._rows("SELECT data FROM accounts"):
            account = codec.account_from(json.loads(data))
            self._accounts[account.login] = account
        for (data,) in self._rows("SELECT data FROM sessions"):
            session = codec.session_from(json.loads(data))
            self._sessions[session.id] = session
        for (data,) in self._rows("SELECT data FROM messages ORDER BY seq"):
            MemoryStore.add_message(self, codec.message_from(json.loads(data)))
        self._incoming = [codec.incoming_from(json.loads(d)) for (d,) in self._rows("SELECT data FROM incoming ORDER BY id")]
        self._submissions = [codec.submission_from(json.loads(d))
                             for (d,) in self._rows("SELECT data FROM submissions ORDER BY id")]
        for (data,) in self._rows("SELECT data FROM callbacks ORDER BY id"):
            callback = codec.callback_from(json.loads(data))
            self._callbacks[callback.id] = callback
        rules = self._rows("SELECT position, data FROM rules ORDER BY position DESC")
        self._rules = [json.loads(data) for _, data in rules]
        self._rule_position = rules[0][0] if rules else 0
        self._sequences = {name: next_id for name, next_id in self._rows("SELECT name, next FROM sequences")}
        self._values = {key: codec.value_from(json.loads(value)) for key, value in self._rows("SELECT key, value FROM kv")}
        # In the order they were first written (records(kind) is oldest first): an update
        # keeps a row's rowid (the upsert in flush), a delete and a new put give it a new one.
        for kind, key, data in self._rows("SELECT kind, key, data FROM records ORDER BY rowid"):
            self._records.setdefault(kind, {})[key] = codec.value_from(json.loads(data))

    # --- marking changes -----------------------------------------------------------------------

    def save_account(self, account: Account) -> None:
        super().save_account(account)
        self._dirty["accounts"][account.login] = account

    def delete_account(self, login: str) -> None:
        super().delete_account(login)
        self._dirty["accounts"][login] = None

    def save_session(self, session: Session) -> None:
        super().save_session(session)
        self._dirty["sessions"][session.id] = session

    def add_message(self, message: Message) -> None:
        self._dirty["messages"][message.id] = message
        super().add_message(message)

    def save_message(self, message: Message) -> None:
        if self._by_id.get(message.id) is message:
            self._dirty["messages"][message.id] = message

    def _drop(self, message: Message) -> None:
        super()._drop(message)
        self._dirty["messages"][message.id] = None

    def add_incoming(self, incoming: Incoming) -> None:
        super().add_incoming(incoming)
        self._dirty["incoming"][incoming.id] = incoming

    def add_submission(self, submission: Submission) -> None:
        super().add_submission(submission)
        self._dirty["submissions"][submission.id] = submission

    def add_callback(self, callback: Callback) -> None:
        super().add_callback(callback)
        self._dirty["callbacks"][callback.id] = callback

    def save_callback(self, callback: Callback) -> None:
        if self._callbacks.get(callback.id) is callback:
            self._dirty["callbacks"][callback.id] = callback

    def add_rule(self, rule: dict) -> None:
        super().add_rule(rule)
        self._rule_position += 1
        self._dirty["rules"][rule["id"]] = (self._rule_position, rule)

    def delete_rule(self, rule_id: str) -> bool:
        removed = super().delete_rule(rule_id)
        if removed:
            self._dirty["rules"][rule_id] = None
        return removed

    def forget_login(self, login: str) -> None:
        for message in self._messages:
            if message.login == login:
                self._dirty["messages"][message.id] = None
        gone = {"sessions": [k for k, s in self._sessions.items() if s.login == login],
                "incoming": [m.id for m in self._incoming if m.login == login],
                "submissions": [s.id for s in self._submissions if s.login == login],
                "callbacks": [k for k, c in self._callbacks.items() if c.login == login]}
        super().forget_login(login)
        for table, keys in gone.items():
            for key in keys:
                self._dirty[table][key] = None

    def raise_sequence(self, sequence: str, next_number: int) -> None:
        super().raise_sequence(sequence, next_number)
        self._dirty_sequences.add(sequence)

    def next_ids(self, sequence: str, count: int, start: int) -> list[int]:
        ids = super().next_ids(sequence, count, start)
        self._dirty_sequences.add(sequence)
        return ids

    def set_value(self, key: str, value: object) -> None:
        super().set_value(key, value)
        self._dirty["kv"][key] = value

    def put(self, kind: str, key: str, record: object) -> None:
        super().put(kind, key, record)
        self._dirty["records"][(kind, key)] = record

    def delete(self, kind: str, key: str) -> bool:
        removed = super().delete(kind, key)
        if removed:
            self._dirty["records"][(kind, key)] = None
        return removed

    def clear(self) -> None:
        super().clear()
        self._dirty = {table: {} for table in TABLES}
        self._start_next_generation()

    def _start_next_generation(self) -> None:
        """Forget everything by starting the next database file: deleting a hundred thousand
        rows takes a fifth of a second. The new file (schema and id sequences, so ids never
        repeat) is made under a temporary name and renamed into place whole, so a crash leaves
        either the old state or the new one; start-up takes the newest generation and removes
        the others. The old file is closed and deleted in a thread."""
        number = self._generation + 1
        target = _generation_file(self.directory, number)
        fresh = target.with_name(target.name + ".new")
        _remove(fresh)
        db = _connect(fresh)
        try:
            _migrate(db)
            db.executemany("INSERT INTO sequences (name, next) VALUES (?, ?)", list(self._sequences.items()))
        finally:
            db.close()  # the last connection: its log is folded in and removed
        os.replace(fresh, target)
        old_db, old_path = self._db, self.path
        self._db, self.path, self._generation = _connect(target), target, number
        self._dirty_sequences = set()
        threading.Thread(target=_retire, args=(old_db, old_path), name="devino-mock-retire", daemon=True).start()

    # --- writing --------------------------------------------------------------------------------

    def flush(self) -> None:
        dirty = self._dirty
        if not self._dirty_sequences and not any(dirty.values()):
            return
        self._dirty = {table: {} for table in TABLES}
        db = self._db
        db.execute("BEGIN")
        try:
            self._upsert("accounts", "login", dirty["accounts"], lambda a: _dumps(codec.account_to(a)))
            self._upsert("sessions", "id", dirty["sessions"], lambda s: _dumps(codec.session_to(s)))
            self._upsert("messages", "id", dirty["messages"], lambda m: _dumps(codec.message_to(m)))
            self._upsert("incoming", "id", dirty["incoming"], lambda i: _dumps(codec.incoming_to(i)))
            self._upsert("submissions", "id", dirty["submissions"], lambda s: _dumps(codec.submission_to(s)))
            self._upsert("callbacks", "id", dirty["callbacks"], lambda c: _dumps(codec.callback_to(c)))
            self._upsert("kv", "key", dirty["kv"], lambda v: _dumps(codec.value_to(v)))
            records = dirty["records"]
            db.executemany("DELETE FROM records WHERE kind = ? AND key = ?",
                           [key for key, v in records.items() if v is None])
            db.executemany("INSERT INTO records (kind, key, data) VALUES (?, ?, ?) "
                           "ON CONFLICT(kind, key) DO UPDATE SET data = excluded.data",
                           [(*key, _dumps(codec.value_to(v))) for key, v in records.items() if v is not None])
            rules = dirty["rules"]
            db.executemany("DELETE FROM rules WHERE id = ?", [(k,) for k, v in rules.items() if v is None])
            db.executemany("INSERT OR REPLACE INTO rules (id, position, data) VALUES (?, ?, ?)",
                           [(k, v[0], _dumps(v[1])) for k, v in rules.items() if v is not None])
            self._write_sequences()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _upsert(self, table: str, key: str, changed: dict, encode) -> None:
        if not changed:
            return
        column = "data" if table != "kv" else "value"
        self._db.executemany(f"DELETE FROM {table} WHERE {key} = ?",  # noqa: S608 (fixed names)
                             [(k,) for k, v in changed.items() if v is None])
        self._db.executemany(
            f"INSERT INTO {table} ({key}, {column}) VALUES (?, ?) "  # noqa: S608
            f"ON CONFLICT({key}) DO UPDATE SET {column} = excluded.{column}",
            [(k, encode(v)) for k, v in changed.items() if v is not None])

    def _write_sequences(self, every: bool = False) -> None:
        names = set(self._sequences) if every else self._dirty_sequences
        self._db.executemany("INSERT OR REPLACE INTO sequences (name, next) VALUES (?, ?)",
                             [(name, self._sequences[name]) for name in names if name in self._sequences])
        self._dirty_sequences = set()

    def close(self) -> None:
        self.flush()
        self._db.close()
