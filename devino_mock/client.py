"""A small Python client for the control API. Works against the in-process server of the
pytest plugin and against one started separately (a container, another machine)."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any


class MockApiError(RuntimeError):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"control API answered {status}: {body}")
        self.status = status
        self.body = body


class MockClient:
    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict | None = None, query: dict | None = None) -> Any:
        # Imported here: the pytest plugin imports this module into every test session of every
        # project that has devino-mock installed, and urllib.request (with ssl, http.client) is
        # most of its import time.
        import urllib.error
        import urllib.request

        url = f"{self.base_url}/_mock/{path}"
        if query:
            clean = {k: v for k, v in query.items() if v is not None}
            if clean:
                url += "?" + urllib.parse.urlencode(clean)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                payload = json.loads(raw)
            except ValueError:
                payload = raw.decode("utf-8", "replace")
            raise MockApiError(exc.code, payload) from None

    # --- the server ---
    def health(self) -> dict:
        return self._call("GET", "health")

    def reset(self, login: str | None = None) -> dict:
        """Forget everything; with `login`, only what belongs to that account (a shared server)."""
        return self._call("POST", "reset", {"login": login} if login else None)

    # --- accounts ---
    def accounts(self) -> list[dict]:
        return self._call("GET", "accounts")

    def account(self, login: str) -> dict:
        return self._call("GET", f"accounts/{urllib.parse.quote(login, safe='')}")

    def add_account(self, login: str, password: str, balance: float | str = "1000.00", **fields: Any) -> dict:
        return self._call("POST", "accounts", {"login": login, "password": password, "balance": str(balance), **fields})

    # --- messages ---
    def messages(self, **filters: Any) -> list[dict]:
        """Every accepted message, oldest first; filters: channel, transport, login, source,
        destination, status (code or name such as "delivered")."""
        return self._call("GET", "messages", query=filters)

    def message(self, message_id: str) -> dict:
        return self._call("GET", f"messages/{urllib.parse.quote(message_id, safe='')}")

    def set_status(self, message_id: str, status: int | str, after: float = 0) -> dict:
        return self._call("POST", f"messages/{urllib.parse.quote(message_id, safe='')}/status",
                          {"status": status, "after": after})

    # --- mails and other submissions ---
    def mails(self, **filters: Any) -> list[dict]:
        """Every mail the SMTP listener received (Email2SMS and the e-mail API), oldest first,
        with its outcome ("accepted"/"rejected"), error kind, reason and message ids; filters:
        service ("email2sms", "email"), outcome, login, error."""
        return self._call("GET", "mails", query=filters)

    def mail(self, mail_id: int | str) -> dict:
        return self._call("GET", f"mails/{mail_id}")

    # --- the FTP drop folder ---
    def ftp_files(self, **filters: Any) -> list[dict]:
        """Every file uploaded over FTP, oldest first, with its status (pending, processed,
        rejected, ignored, removed, replaced), reason, warnings and per-row results with
        message ids; filters: login, status."""
        return self._call("GET", "ftp/files", query=filters)

    def ftp_file(self, file_id: int | str) -> dict:
        return self._call("GET", f"ftp/files/{file_id}")

    def ftp_options(self, login: str, **options: Any) -> dict:
        """What support arranged for an account's FTP folder: mode (auto, template, plain),
        encoding, sender and validity without template, utc_offset of the client's clock.
        Without options: read them."""
        path = f"ftp/accounts/{urllib.parse.quote(login, safe='')}"
        return self._call("POST", path, options) if options else self._call("GET", path)

    # --- time ---
    def now(self) -> str:
        return self._call("GET", "clock")["now"]

    def advance(self, seconds: float) -> str:
        """Move the virtual clock forward; every status change that became due has happened on return."""
        return self._call("POST", "clock/advance", {"seconds": seconds})["now"]

    # --- incoming ---
    def incoming(self, login: str, source: str, destination: str, text: str, channel: str = "sms") -> dict:
        return self._call("POST", "incoming", {"channel": channel, "login": login, "source": source,
                                               "destination": destination, "text": text})

    def incoming_messages(self, login: str | None = None) -> list[dict]:
        return self._call("GET", "incoming", query={"login": login})

    # --- outcome rules ---
    def rules(self) -> list[dict]:
        return self._call("GET", "rules")

    def add_rule(self, **rule: Any) -> dict:
        """E.g. add_rule(destination="79161234567", status=42) or add_rule(destination="7916*", reject="insufficient_funds")."""
        return self._call("POST", "rules", rule)

    def clear_rules(self) -> list[dict]:
        return self._call("DELETE", "rules")
