"""Platform state behind one small interface. In memory; adapters keep no state of their own."""

from __future__ import annotations

from devino_mock.core.accounts import Account, Session
from devino_mock.core.messages import Incoming, Message
from devino_mock.core.submissions import Submission


class MemoryStore:
    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.sessions: dict[str, Session] = {}
        self._messages: list[Message] = []
        self._by_id: dict[str, Message] = {}
        self._incoming: list[Incoming] = []
        self._submissions: list[Submission] = []

    def clear(self) -> None:
        self.accounts.clear()
        self.sessions.clear()
        self._messages.clear()
        self._by_id.clear()
        self._incoming.clear()
        self._submissions.clear()

    def add_message(self, message: Message) -> None:
        self._messages.append(message)
        for segment_id in message.ids:
            self._by_id[segment_id] = message

    def message(self, segment_id: str) -> Message | None:
        return self._by_id.get(segment_id)

    def messages(self) -> list[Message]:
        return list(self._messages)

    def add_incoming(self, incoming: Incoming) -> None:
        self._incoming.append(incoming)

    def incoming(self) -> list[Incoming]:
        return list(self._incoming)

    def add_submission(self, submission: Submission) -> None:
        self._submissions.append(submission)

    def submissions(self) -> list[Submission]:
        return list(self._submissions)
