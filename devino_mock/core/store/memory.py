"""The default store: everything in this process's memory."""

from __future__ import annotations

from collections import deque
from typing import Iterable

from devino_mock.core.accounts import Account, Session
from devino_mock.core.records import Callback, Incoming, Message, Submission
from devino_mock.core.letgo import let_go
from devino_mock.core.store.base import Store, owner


class MemoryStore(Store):
    def __init__(self, max_messages: int | None = None) -> None:
        self.max_messages = max_messages
        self._sequences: dict[str, int] = {}
        self._forget_all()

    def clear(self) -> None:
        # The old journal and its index are let go of a slice per turn of the loop (a reset
        # with a hundred thousand messages answers at once); nothing reads them any more.
        journal, index = self._messages, self._by_id
        self._forget_all()
        let_go(index)
        let_go(journal)

    def _forget_all(self) -> None:
        self._accounts: dict[str, Account] = {}
        self._sessions: dict[str, Session] = {}
        self._messages: deque[Message] = deque()
        self._by_id: dict[str, Message] = {}
        self._incoming: list[Incoming] = []
        self._submissions: list[Submission] = []
        self._callbacks: dict[int, Callback] = {}
        self._rules: list[dict] = []
        self._values: dict[str, object] = {}
        self._records: dict[str, dict[str, object]] = {}

    def account(self, login: str) -> Account | None:
        return self._accounts.get(login)

    def accounts(self) -> list[Account]:
        return list(self._accounts.values())

    def save_account(self, account: Account) -> None:
        self._accounts[account.login] = account

    def delete_account(self, login: str) -> None:
        self._accounts.pop(login, None)

    def session(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def save_session(self, session: Session) -> None:
        self._sessions[session.id] = session

    def sessions(self) -> list[Session]:
        return list(self._sessions.values())

    def add_message(self, message: Message) -> None:
        self._messages.append(message)
        for message_id in message.ids:
            self._by_id[message_id] = message
        while self.max_messages is not None and len(self._messages) > self.max_messages:
            self._drop(self._messages.popleft())

    def _drop(self, message: Message) -> None:
        """The oldest message leaves the journal (--max-messages); its planned steps find it
        gone and do nothing."""
        for message_id in message.ids:
            if self._by_id.get(message_id) is message:
                del self._by_id[message_id]

    def save_message(self, message: Message) -> None:
        pass  # the record in memory is the stored one

    def message(self, message_id: str) -> Message | None:
        return self._by_id.get(message_id)

    def messages(self) -> Iterable[Message]:
        return list(self._messages)

    def add_incoming(self, incoming: Incoming) -> None:
        self._incoming.append(incoming)

    def incoming(self) -> list[Incoming]:
        return list(self._incoming)

    def add_submission(self, submission: Submission) -> None:
        self._submissions.append(submission)

    def submissions(self) -> list[Submission]:
        return list(self._submissions)

    def add_callback(self, callback: Callback) -> None:
        self._callbacks[callback.id] = callback

    def save_callback(self, callback: Callback) -> None:
        pass

    def callback(self, callback_id: int) -> Callback | None:
        return self._callbacks.get(callback_id)

    def callbacks(self) -> list[Callback]:
        return list(self._callbacks.values())

    def rules(self) -> list[dict]:
        return list(self._rules)

    def add_rule(self, rule: dict) -> None:
        self._rules.insert(0, rule)

    def delete_rule(self, rule_id: str) -> bool:
        before = len(self._rules)
        self._rules = [r for r in self._rules if r.get("id") != rule_id]
        return len(self._rules) != before

    def put(self, kind: str, key: str, record: object) -> None:
        self._records.setdefault(kind, {})[key] = record

    def get(self, kind: str, key: str) -> object | None:
        return self._records.get(kind, {}).get(key)

    def records(self, kind: str) -> list:
        return list(self._records.get(kind, {}).values())

    def delete(self, kind: str, key: str) -> bool:
        return self._records.get(kind, {}).pop(key, None) is not None

    def next_ids(self, sequence: str, count: int, start: int) -> list[int]:
        first = self._sequences.get(sequence, start)
        self._sequences[sequence] = first + count
        return list(range(first, first + count))

    def forget_login(self, login: str) -> None:
        self._messages = deque(m for m in self._messages if m.login != login)
        self._by_id = {i: m for i, m in self._by_id.items() if m.login != login}
        self._sessions = {k: s for k, s in self._sessions.items() if s.login != login}
        self._incoming = [m for m in self._incoming if m.login != login]
        self._submissions = [s for s in self._submissions if s.login != login]
        self._callbacks = {k: c for k, c in self._callbacks.items() if c.login != login}
        owned = [(kind, key) for kind, records in self._records.items()
                 for key, record in records.items() if owner(record) == login]
        for kind, key in owned:
            self.delete(kind, key)  # through delete: a durable store marks each row gone

    def sequences(self) -> dict[str, int]:
        return dict(self._sequences)

    def raise_sequence(self, sequence: str, next_number: int) -> None:
        if next_number > self._sequences.get(sequence, 0):
            self._sequences[sequence] = next_number

    def value(self, key: str, default: object = None) -> object:
        return self._values.get(key, default)

    def set_value(self, key: str, value: object) -> None:
        self._values[key] = value

