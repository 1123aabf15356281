"""`GET /_mock/openapi.json`: an OpenAPI 3 description of every control call. Each call's
parameters, body and answer are written down here (or given by the surface that adds the
call, `ControlTable.add(..., doc=…)`); a call nobody described is listed under
`x-undocumented`, and a test keeps that list empty."""

from __future__ import annotations

from devino_mock import __version__
from devino_mock.control.table import Call, ControlTable, json_response

OBJ = {"type": "object"}
LIST = {"type": "array", "items": OBJ}
STR, NUM, INT, BOOL = {"type": "string"}, {"type": "number"}, {"type": "integer"}, {"type": "boolean"}
PAGING = ["q", "limit", "offset", "wait", "count"]
MESSAGE_FILTERS = ["channel", "transport", "login", "source", "destination", "status", "id"]


def body(properties: dict, required: tuple[str, ...] = ()) -> dict:
    return {"type": "object", "properties": properties, **({"required": list(required)} if required else {})}


def doc(query: list[str] | None = None, request: dict | None = None, answer: dict | None = None,
        status: int = 200, content: str = "application/json") -> dict:
    return {"query": query or [], "body": request, "answer": answer or OBJ, "status": status, "content": content}


LISTED = doc(MESSAGE_FILTERS + PAGING, answer=LIST)
RULE = body({"channel": STR, "destination": STR, "source": STR, "login": STR, "status": {}, "error": STR,
             "reject": STR, "submit_delay": {}, "delivery_delay": NUM, "description": STR})
ACCOUNT = body({"login": STR, "password": STR, "balance": NUM, "senders": LIST, "tariffs": OBJ, "enabled": BOOL,
                "incoming_numbers": LIST, "email_senders": LIST, "callbacks": OBJ, "prices": OBJ,
                "stop_words": LIST, "sender_approval_delay": NUM, "email_package": NUM, "email_spam_score": NUM,
                "imsi": OBJ,
                "imsi_check": body({"enabled": BOOL, "substitute_text": STR, "modes": OBJ, "lookup_behaviour": OBJ,
                                    "lookup_delay_ms": INT, "retry_backoff_seconds": {"type": "array", "items": NUM},
                                    "on_lookup_error": {"enum": ["send", "block"]}})},
               ("login", "password"))
FAULT = body({"surface": STR, "kind": {"enum": ["latency", "error", "disconnect"]}, "delay_ms": INT, "status": INT,
              "command_status": {}, "rate": NUM, "count": INT, "seed": INT}, ("surface", "kind"))
FTP_OPTIONS = body({"mode": STR, "encoding": STR, "sender": STR, "validity": INT, "utc_offset": NUM})
# docs/control-api.md, Snapshots: FTP uploads are never in it.
SNAPSHOT = body({"format": {"enum": ["devino-mock-snapshot"]}, "version": {"enum": [1, 2]},
                 "taken_at": {"type": "string", "format": "date-time"}, "accounts": LIST, "rules": LIST,
                 "values": OBJ, "sequences": {"type": "object", "additionalProperties": INT},
                 "messages": LIST, "incoming": LIST, "submissions": LIST, "callbacks": LIST,
                 "sessions": {"type": "array", "items": body({"id": STR, "login": STR, "expires_at": STR})},
                 "records": {"type": "object", "description": "the services' records by kind",
                             "additionalProperties": LIST}},
                ("format", "version"))

DOCS: dict[tuple[str, str], dict] = {
    ("GET", "/_mock/"): doc(answer=LIST),
    ("GET", "/_mock/health"): doc(),
    ("GET", "/_mock/channels"): doc(answer=LIST),
    ("POST", "/_mock/twofa/faults"): doc(request=body({"endpoint": STR, "code": NUM, "count": NUM},
                                                      ("endpoint", "code")), status=201),
    ("GET", "/_mock/twofa/faults"): doc(answer=LIST),
    ("DELETE", "/_mock/twofa/faults"): doc(answer=LIST),
    ("POST", "/_mock/email/senders"): doc(request=body({"login": STR, "address": STR, "state": {}},
                                                       ("login", "address", "state"))),
    ("GET", "/_mock/surfaces"): doc(answer=LIST),
    ("POST", "/_mock/reset"): doc(request=body({"login": STR})),
    ("GET", "/_mock/accounts"): doc(answer=LIST),
    ("POST", "/_mock/accounts"): doc(request=ACCOUNT, status=201),
    ("GET", "/_mock/accounts/{login}"): doc(),
    ("GET", "/_mock/messages"): LISTED,
    ("GET", "/_mock/messages/{id}"): doc(),
    ("POST", "/_mock/messages/{id}/status"): doc(request=body({"status": {}, "error": STR, "after": NUM}, ("status",))),
    ("GET", "/_mock/clock"): doc(),
    ("POST", "/_mock/clock/advance"): doc(request=body({"seconds": NUM}, ("seconds",))),
    ("POST", "/_mock/clock/freeze"): doc(),
    ("POST", "/_mock/clock/unfreeze"): doc(),
    ("POST", "/_mock/clock/set"): doc(request=body({"now": {"type": "string", "format": "date-time"}}, ("now",))),
    ("GET", "/_mock/incoming"): doc(["login", "channel", "source", "destination", "parent_id"] + PAGING, answer=LIST),
    ("POST", "/_mock/incoming"): doc(request=body({"channel": STR, "login": STR, "source": STR, "destination": STR,
                                                   "text": STR, "parent_id": STR}, ("text",)), status=201),
    ("GET", "/_mock/mails"): doc(["service", "outcome", "login", "error", "transport"] + PAGING, answer=LIST),
    ("GET", "/_mock/mails/{id}"): doc(),
    ("GET", "/_mock/submissions"): doc(["transport", "service", "outcome", "login", "error"] + PAGING, answer=LIST),
    ("GET", "/_mock/submissions/{id}"): doc(),
    ("GET", "/_mock/rules"): doc(["channel", "login", "destination", "source"] + PAGING, answer=LIST),
    ("POST", "/_mock/rules"): doc(request=RULE, status=201),
    ("DELETE", "/_mock/rules"): doc(answer=LIST),
    ("DELETE", "/_mock/rules/{id}"): doc(answer=LIST),
    ("GET", "/_mock/callbacks"): doc(["kind", "login", "state", "message_id"] + PAGING, answer=LIST),
    ("GET", "/_mock/faults"): doc(answer=LIST),
    ("POST", "/_mock/faults"): doc(request=FAULT, status=201),
    ("DELETE", "/_mock/faults"): doc(answer=LIST),
    ("DELETE", "/_mock/faults/{id}"): doc(answer=LIST),
    ("GET", "/_mock/requests"): doc(["surface", "login", "status", "path"] + PAGING, answer=LIST),
    ("GET", "/_mock/events"): doc(answer=STR, content="text/event-stream"),
    ("GET", "/_mock/snapshot"): doc(answer=SNAPSHOT),
    ("POST", "/_mock/snapshot"): doc(request=SNAPSHOT, answer=body({"status": STR, "messages": INT})),
    ("*", "/_mock/sink/{name}"): doc(answer=STR, content="text/plain"),
    ("*", "/_mock/sink/{name}/{path*}"): doc(answer=STR, content="text/plain"),
    ("GET", "/_mock/sinks/{name}"): doc(["method", "path"] + PAGING, answer=LIST),
    ("DELETE", "/_mock/sinks/{name}"): doc(answer=LIST),
    ("POST", "/_mock/sinks/{name}/responses"): doc(request=body({"status": INT, "body": STR, "times": INT}), status=201),
    ("GET", "/_mock/ftp"): doc(),
    ("GET", "/_mock/ftp/files"): doc(["login", "status", "rows"], answer=LIST),
    ("GET", "/_mock/ftp/files/{id}"): doc(["rows"]),
    ("GET", "/_mock/ftp/accounts/{login}"): doc(),
    ("POST", "/_mock/ftp/accounts/{login}"): doc(request=FTP_OPTIONS),
    ("PUT", "/_mock/ftp/accounts/{login}"): doc(request=FTP_OPTIONS),
    ("DELETE", "/_mock/ftp/accounts/{login}"): doc(),
    ("GET", "/_mock/openapi.json"): doc(),
    ("GET", "/_mock/metrics"): doc(answer=STR, content="text/plain"),
    ("POST", "/_mock/generate"): doc(request=body({"seed": INT, "messages": INT, "accounts": INT}), status=201),
    ("GET", "/_mock/ui/{path*}"): doc(answer=STR, content="text/html"),
    ("POST", "/_mock/imsi"): doc(request=body({"login": STR, "number": STR, "imsi": {}, "lookup_behaviour": {
        "enum": ["ok", "unavailable", "unsupported_operator", "operator_failure"]}}, ("login", "number"))),
    ("POST", "/_mock/imsi/recheck"): doc(request=body({"login": STR, "number": STR}, ("login",))),
    ("GET", "/_mock/imsi"): doc(["login"], answer=LIST),
    ("GET", "/_mock/smpp/accounts/{login}"): doc(),
    ("POST", "/_mock/smpp/accounts/{login}"): doc(request=body({"enabled": BOOL, "throttle": NUM, "max_sessions": INT})),
    ("GET", "/_mock/smtp/accounts/{login}"): doc(),
    ("POST", "/_mock/smtp/accounts/{login}"): doc(request=body({"allowed_ips": LIST, "unsubscribed": LIST,
                                                                 "bounced": LIST})),
    ("GET", "/_mock/twofa/codes/{number}"): doc(["login"]),
    ("POST", "/_mock/email/messages/{id}/events"): doc(request=body({"event": STR, "url": STR, "reason": STR},
                                                                    ("event",))),
    ("POST", "/_mock/addressbook/unsubscribed"): doc(request=body({"login": STR, "email": STR, "reason": STR,
                                                                   "task_id": {}}, ("login", "email")), status=201),
}
ANY_METHOD = ("get", "post", "put", "delete", "patch")


def _operation(method: str, path: str, summary: str, details: dict) -> dict:
    parameters = [{"name": piece.strip("{}*"), "in": "path", "required": True, "schema": STR}
                  for piece in path.split("/") if piece.startswith("{")]
    parameters += [{"name": name, "in": "query", "required": False, "schema": STR} for name in details["query"]]
    operation: dict = {
        "summary": summary, "operationId": f"{method.lower()}_{path}".replace("/", "_").strip("_"),
        "responses": {
            str(details["status"]): {"description": "done", "content": {details["content"]: {"schema": details["answer"]}}},
            "400": {"description": "refused input: {\"error\": text}"},
        },
    }
    if parameters:
        operation["parameters"] = parameters
    if details["body"] is not None:
        operation["requestBody"] = {"required": False, "content": {"application/json": {"schema": details["body"]}}}
    return operation


def document(table: ControlTable) -> dict:
    paths: dict[str, dict] = {}
    undocumented = []
    for method, path, summary in table.routes():
        details = table.docs.get((method, path)) or DOCS.get((method, path))
        if details is None:
            undocumented.append(f"{method} {path}")
            continue
        openapi_path = path.replace("{path*}", "{path}")
        for verb in (ANY_METHOD if method == "*" else (method.lower(),)):
            paths.setdefault(openapi_path, {})[verb] = _operation(verb, openapi_path, summary, details)
    return {
        "openapi": "3.0.3",
        "info": {"title": "devino-mock control API", "version": __version__,
                 "description": "The emulator's own interface (mock-interface.md): /_mock/…"},
        "paths": paths,
        "x-undocumented": undocumented,
    }


def register(table: ControlTable) -> None:
    async def openapi(call: Call):
        return json_response(document(table))

    table.add("GET", "/openapi.json", openapi, "this description (OpenAPI 3)")
