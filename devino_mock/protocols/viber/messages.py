"""One message of a `/send` request: commonData merged in, then checked field by field in the
order of viber.md §11.5. Wire format only: what passes becomes a core SendRequest."""

from __future__ import annotations

import re

from devino_mock.core.sending import SendRequest
from devino_mock.protocols.values import json_integer
from devino_mock.protocols.viber import codes

TRANSPORT = "viber_api"
PRIORITIES = ("low", "normal", "high", "realtime")
CONTENT_TYPES = ("text", "image", "button")
SMS_FIELDS = ("smsText", "smsSrcAddress", "smsValidityPeriodSec")
ADDRESS_RE = re.compile(r"^\+?[0-9]{10,15}$")
SMS_SOURCE_RE = re.compile(r"^[A-Za-z0-9]{1,11}$")
MAX_SUBJECT, MAX_CAPTION, MIN_TEXT, MAX_TEXT = 11, 30, 2, 1000
VALIDITY_RANGE, SMS_VALIDITY_RANGE = (30, 86400), (60, 86400)
DEFAULT_SMS_VALIDITY = 86400  # "the operator SMSC default" (viber.md §11.2)


class Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def merge(common: dict, own: dict, request_level: dict) -> dict:
    """commonData overlaid with the message's own fields; `content` merged key by key (§2.5).
    SMS fields a client put at the top level of the request (telminov) come first of all."""
    merged = {k: request_level[k] for k in SMS_FIELDS if k in request_level}
    merged.update(common)
    merged.update(own)
    if isinstance(common.get("content"), dict) and isinstance(own.get("content"), dict):
        merged["content"] = {**common["content"], **own["content"]}
    return merged


def _present(message: dict, name: str) -> bool:
    return message.get(name) not in (None, "")


def to_request(message: dict, resend: bool, strict_resend_fields: bool = True) -> SendRequest:
    """The core request for one effective message, or Refused with its documented code."""
    subject = message.get("subject")
    if subject in (None, ""):
        raise Refused(codes.SUBJECT_MISSING)
    if not isinstance(subject, str) or len(subject) > MAX_SUBJECT:
        raise Refused(codes.SUBJECT_FORMAT)
    address = message.get("address")
    if address in (None, ""):
        raise Refused(codes.ADDRESS_MISSING)
    if isinstance(address, bool) or not isinstance(address, (str, int)) or not ADDRESS_RE.match(str(address).strip()):
        raise Refused(codes.ADDRESS_FORMAT)
    if message.get("priority") not in PRIORITIES:
        raise Refused(codes.PRIORITY_FORMAT)
    if "comment" in message and message["comment"] is not None and not isinstance(message["comment"], str):
        raise Refused(codes.COMMENT_FORMAT)
    if message.get("type") in (None, ""):
        raise Refused(codes.TYPE_MISSING)
    if message.get("type") != "viber":
        raise Refused(codes.TYPE_FORMAT)
    content_type = message.get("contentType")
    if content_type not in CONTENT_TYPES:
        raise Refused(codes.CONTENT_TYPE_FORMAT)
    content = _content(message.get("content"), content_type)
    validity = json_integer(message.get("validityPeriodSec"))
    if validity is None or not VALIDITY_RANGE[0] <= validity <= VALIDITY_RANGE[1]:
        raise Refused(codes.VALIDITY_FORMAT)
    fallback = _fallback(message, resend, content_type, content, strict_resend_fields)
    return SendRequest(
        source=subject, destinations=[str(address).strip()], text=content.get("text", ""),
        transport=TRANSPORT, channel="viber", validity_seconds=validity, fallback=fallback,
        extra={"content_type": content_type, "content": content, "priority": message["priority"],
               **({"comment": message["comment"]} if isinstance(message.get("comment"), str) else {})},
    )


def _content(content: object, content_type: str) -> dict:
    if not isinstance(content, dict):
        raise Refused(codes.CONTENT_MISSING)
    image = content.get("imageUrl", content.get("image"))  # `image` in the table, `imageUrl` in the example
    wanted = {"text": ("text",), "button": ("text", "caption", "action"), "image": ()}[content_type]
    if any(content.get(name) in (None, "") for name in wanted) or (content_type == "image" and image in (None, "")):
        raise Refused(codes.CONTENT_MISSING)
    fields = {name: content.get(name) for name in ("text", "caption", "action") if content.get(name) is not None}
    if image is not None:
        fields["imageUrl"] = image
    if not all(isinstance(v, str) for v in fields.values()):
        raise Refused(codes.CONTENT_TYPE_FORMAT)
    if "text" in fields and not MIN_TEXT <= len(fields["text"]) <= MAX_TEXT:
        raise Refused(codes.CONTENT_TYPE_FORMAT)
    if len(fields.get("caption", "")) > MAX_CAPTION:
        raise Refused(codes.CONTENT_TYPE_FORMAT)
    if content_type == "image":
        fields.pop("text", None)
    return fields


def _fallback(message: dict, resend: bool, content_type: str, content: dict, strict: bool) -> dict | None:
    given = [name for name in SMS_FIELDS if _present(message, name)]
    if not resend:
        if given and strict:
            raise Refused(codes.RESEND_ERROR)
        return None
    if content_type == "image" or not _present(message, "smsText") or not _present(message, "smsSrcAddress"):
        raise Refused(codes.RESEND_ERROR)
    source, text = message["smsSrcAddress"], message["smsText"]
    if not isinstance(source, str) or not SMS_SOURCE_RE.match(source):
        raise Refused(codes.SUBJECT_FORMAT)
    if not isinstance(text, str):
        raise Refused(codes.RESEND_ERROR)
    validity = DEFAULT_SMS_VALIDITY
    if _present(message, "smsValidityPeriodSec"):
        validity = json_integer(message["smsValidityPeriodSec"])  # type: ignore[assignment]
        if validity is None or not SMS_VALIDITY_RANGE[0] <= validity <= SMS_VALIDITY_RANGE[1]:
            raise Refused(codes.RESEND_VALIDITY)
    return {"channel": "sms", "source": source, "text": text, "transport": "viber_fallback",
            "validity_seconds": validity}
