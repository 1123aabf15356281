"""The one place platform state lives. The platform is given a store and writes every change
through it; nothing keeps state beside it. Ids, the clock offset, rules and the records that
scheduled work is derived from (message plans, callback retry times) are data in it.

Nothing here assumes one process: every operation names the records it touches, sequences are
handed out by the store (`next_ids`), and `save_*` is the write of a record already changed by
the caller. A shared store (PostgreSQL) would make `next_ids` a sequence, `save_*` an UPDATE of
one row, and the list calls queries; the scheduler's heap is only an index that any process
can rebuild from `messages()` and `callbacks()`."""

from __future__ import annotations

import asyncio
import contextvars
from abc import ABC, abstractmethod
from typing import Iterable

from devino_mock.core.accounts import Account, Session
from devino_mock.core.records import Callback, Incoming, Message, Submission


class Store(ABC):
    # --- accounts and sessions ---
    @abstractmethod
    def account(self, login: str) -> Account | None: ...
    @abstractmethod
    def accounts(self) -> list[Account]: ...
    @abstractmethod
    def save_account(self, account: Account) -> None: ...
    @abstractmethod
    def delete_account(self, login: str) -> None: ...
    @abstractmethod
    def session(self, session_id: str) -> Session | None: ...
    @abstractmethod
    def save_session(self, session: Session) -> None: ...
    @abstractmethod
    def sessions(self) -> list[Session]:
        """Every REST session, expired ones too (for a snapshot)."""

    # --- messages ---
    @abstractmethod
    def add_message(self, message: Message) -> None: ...
    @abstractmethod
    def save_message(self, message: Message) -> None: ...
    @abstractmethod
    def message(self, message_id: str) -> Message | None:
        """The message that any of its ids (an SMS segment id) names."""
    @abstractmethod
    def messages(self) -> Iterable[Message]: ...

    # --- incoming, submissions, callbacks ---
    @abstractmethod
    def add_incoming(self, incoming: Incoming) -> None: ...
    @abstractmethod
    def incoming(self) -> list[Incoming]: ...
    @abstractmethod
    def add_submission(self, submission: Submission) -> None: ...
    @abstractmethod
    def submissions(self) -> list[Submission]: ...
    @abstractmethod
    def add_callback(self, callback: Callback) -> None: ...
    @abstractmethod
    def save_callback(self, callback: Callback) -> None: ...
    @abstractmethod
    def callback(self, callback_id: int) -> Callback | None: ...
    @abstractmethod
    def callbacks(self) -> list[Callback]: ...

    # --- rules (added at run time; fixture rules are not state) ---
    @abstractmethod
    def rules(self) -> list[dict]:
        """Newest first, each as its to_dict() form with an `id`."""
    @abstractmethod
    def add_rule(self, rule: dict) -> None: ...
    @abstractmethod
    def delete_rule(self, rule_id: str) -> bool: ...

    # --- keyed records of the services (address book, campaigns, templates, …) ---
    # One generic collection per `kind` ("addressbook.contact", "email.task", …), each record
    # under a string key (usually "<login>:<id>"), kept in insertion order. `put` adds a
    # record or writes back one the caller changed; records are plain data objects. A record
    # that belongs to an account says so in its `login` (owner()): a scoped reset finds it so.
    @abstractmethod
    def put(self, kind: str, key: str, record: object) -> None: ...
    @abstractmethod
    def get(self, kind: str, key: str) -> object | None: ...
    @abstractmethod
    def records(self, kind: str) -> list:
        """Every record of `kind`, oldest first."""
    @abstractmethod
    def delete(self, kind: str, key: str) -> bool: ...

    # --- sequences and values ---
    @abstractmethod
    def next_ids(self, sequence: str, count: int, start: int) -> list[int]:
        """`count` consecutive numbers of `sequence`, never handed out before (not even across
        a reset: ids stay unique in a client's database). `start` is the first ever."""
    @abstractmethod
    def value(self, key: str, default: object = None) -> object: ...
    @abstractmethod
    def set_value(self, key: str, value: object) -> None: ...
    @abstractmethod
    def clear(self) -> None:
        """Forget every record and value but the id sequences."""

    @abstractmethod
    def forget_login(self, login: str) -> None:
        """Forget the messages, sessions, incoming messages, submissions, callbacks and keyed
        records (owner()) of one account (a scoped reset, mock-interface.md §13); the account
        and the rest stay."""

    @abstractmethod
    def sequences(self) -> dict[str, int]:
        """The next number of every sequence (for a snapshot)."""

    @abstractmethod
    def raise_sequence(self, sequence: str, next_number: int) -> None:
        """Make `sequence` hand out nothing below `next_number` (after a snapshot is loaded)."""

    def flush(self) -> None:
        """Make every change so far durable (a store that batches writes); answers given after
        this survive the process being killed."""

    def close(self) -> None:
        """Flush and let go of what the store holds open."""
        self.flush()


def owner(record: object) -> str | None:
    """The account a keyed record belongs to: its `login` (an attribute, or a key of a dict
    record), or None for a record of nobody's."""
    login = record.get("login") if isinstance(record, dict) else getattr(record, "login", None)
    return login if isinstance(login, str) else None


class StoreError(RuntimeError):
    """The store cannot be opened or written: a one-line reason for people."""


# Set while a front end that commits in groups (the HTTP layer) handles a request: the
# platform then leaves the flush to it instead of committing once per send.
FLUSH_DEFERRED: contextvars.ContextVar[bool] = contextvars.ContextVar("flush_deferred", default=False)


class GroupCommit:
    """One flush for every request that finished in the same turn of the event loop: each
    awaits it before its answer leaves, so what was answered is durable, at one commit per
    group instead of one per request."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._waiting: asyncio.Future | None = None

    async def __call__(self) -> None:
        if self._waiting is None:
            loop = asyncio.get_running_loop()
            self._waiting = loop.create_future()
            loop.call_soon(self._commit)
        await self._waiting

    def _commit(self) -> None:
        waiting, self._waiting = self._waiting, None
        try:
            self.store.flush()
        except Exception as exc:  # each waiting request answers with the failure
            waiting.set_exception(exc)  # type: ignore[union-attr]
        else:
            waiting.set_result(None)  # type: ignore[union-attr]
