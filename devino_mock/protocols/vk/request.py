"""`POST /send/vk`: the body read into one SendRequest for the chain VK -> Viber -> SMS, checked
in the order of vk.md §6.3 (first failing check wins). Lenient where real clients differ from
the documentation: numbers as JSON numbers or numeric strings, `normal` for `medium`, Viber's
`validityPeriodSec` for `validityPeriod`, an unknown deliveryPolicy read as `any`."""

from __future__ import annotations

import json
import re
from typing import Callable

from devino_mock.core.numbers import normalize
from devino_mock.core.sending import SendRequest
from devino_mock.protocols.values import json_integer

PRIORITIES = {"low": "low", "medium": "medium", "normal": "medium", "high": "high", "realtime": "realtime"}
ROUTES = {("vk",), ("ok",), ("ok", "vk"), ("vk", "ok")}  # vk.md §2.2
DELIVERY_POLICIES = ("any", "mobile_device_required")
VK_VALIDITY = (15, 86400)
VIBER_VALIDITY = (15, 86400)
SMS_VALIDITY = (60, 86400)
MAX_VIBER_SUBJECT = 11
VIBER_TEXT = (2, 1000)  # the Viber API's limits (vk.md §2.3)
MAX_CAPTION = 30
CONTENT_FIELDS = {"text": ("text",), "button": ("text", "caption", "action"), "image": ("imageUrl",)}
TRANSPORT, FALLBACK_TRANSPORT = "vk", "vk_fallback"
_PHONE = re.compile(r"^\+?\d{10,15}$")


class Invalid(Exception):
    """The message fails a check: its `result.code` (vk.md §2.8)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _in_range(value: object, bounds: tuple[int, int]) -> int | None:
    number = json_integer(value)
    return number if number is not None and bounds[0] <= number <= bounds[1] else None


def _phone(value: object) -> str:
    if _blank(value):
        raise Invalid("phone_not_specified")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Invalid("phone_invalid")
    text = str(value).strip()
    number = normalize(text) if _PHONE.match(text) else None
    if number is None:
        raise Invalid("phone_invalid")
    return number


def _priority(value: object) -> str:
    if _blank(value):
        raise Invalid("priority_not_specified")
    if not isinstance(value, str) or value.strip().casefold() not in PRIORITIES:
        raise Invalid("priority_invalid")
    return PRIORITIES[value.strip().casefold()]


def _object(value: object) -> dict:
    """An optional section (`viber`, `sms`): its fields are checked when it is there; a value
    that is not an object has none of them."""
    return value if isinstance(value, dict) else {}


def parse_send(body: dict, subject_allowed: Callable[[str, str], bool]) -> SendRequest:
    """The chain's request, or Invalid with the first failing check's code.
    `subject_allowed(channel, subject)`: the account takes this sender on that channel."""
    vk = body["vk"]
    viber = _object(body["viber"]) if body.get("viber") is not None else None
    sms = _object(body["sms"]) if body.get("sms") is not None else None

    subject = vk.get("subject")
    if _blank(subject):
        raise Invalid("subject_not_specified")
    if not isinstance(subject, str) or not subject_allowed("vk", subject.strip()):
        raise Invalid("subject_invalid")
    priority = _priority(vk.get("priority"))
    routes = vk.get("routes")
    if routes is None or routes == [] or routes == "":
        raise Invalid("routes_not_specified")
    if not isinstance(routes, list) or not all(isinstance(r, str) for r in routes) \
            or tuple(r.strip().casefold() for r in routes) not in ROUTES:
        raise Invalid("routes_invalid")
    validity = _in_range(vk.get("validityPeriod"), VK_VALIDITY)
    if validity is None:
        raise Invalid("vp_invalid")
    phone = _phone(vk.get("phone"))
    template_id = vk.get("templateId")
    if _blank(template_id):
        raise Invalid("text_not_specified")
    template = json_integer(template_id)
    data = vk.get("templateData")
    if template is None or template <= 0 or not isinstance(data, dict):
        raise Invalid("text_invalid")
    policy = vk.get("deliveryPolicy")
    policy = policy if policy in DELIVERY_POLICIES else "any"  # absent or unknown: the default

    viber_stage = _viber_stage(viber, subject_allowed) if viber is not None else None
    sms_stage = _sms_stage(sms) if sms is not None else None
    if viber_stage is not None:
        viber_stage["fallback"] = sms_stage  # VK -> Viber -> SMS; without Viber: VK -> SMS
    return SendRequest(
        source=subject.strip(), destinations=[phone], text=render_template(template, data), transport=TRANSPORT,
        channel="vk", validity_seconds=validity, fallback=viber_stage or sms_stage,
        extra={"priority": priority, "routes": [r.strip().casefold() for r in routes], "delivery_policy": policy,
               "template_id": template, "template_data": data},
    )


def render_template(template_id: int, data: dict) -> str:
    """What the control API shows as the VK text: templates live at VK, so the emulator keeps
    the template id and its parameters (`#name#` placeholders, vk.md §2.2)."""
    params = ", ".join(f"#{name}#={value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}"
                       for name, value in data.items())
    return f"template {template_id}" + (f": {params}" if params else "")


def _viber_stage(viber: dict, subject_allowed: Callable[[str, str], bool]) -> dict:
    """The `viber` section (vk.md §2.3) checked as §6.3 says, as the chain's Viber stage."""
    subject = viber.get("subject")
    if _blank(subject):
        raise Invalid("subject_not_specified")
    if not isinstance(subject, str) or len(subject.strip()) > MAX_VIBER_SUBJECT \
            or not subject_allowed("viber", subject.strip()):
        raise Invalid("subject_invalid")
    priority = _priority(viber.get("priority"))
    raw_validity = viber.get("validityPeriod", viber.get("validityPeriodSec"))  # the table's name wins
    validity = _in_range(raw_validity, VIBER_VALIDITY)
    if validity is None:
        raise Invalid("vp_invalid")
    destination = _phone(viber.get("dstAddress"))
    content_type = viber.get("contentType")
    wanted = CONTENT_FIELDS.get(content_type, ()) if isinstance(content_type, str) else ()
    if any(_blank(viber.get(name)) for name in wanted):
        raise Invalid("text_not_specified")
    text, caption = viber.get("text"), viber.get("caption")
    if viber.get("type") != "viber" or content_type not in CONTENT_FIELDS:
        raise Invalid("text_invalid")
    if text is not None and (not isinstance(text, str) or not VIBER_TEXT[0] <= len(text) <= VIBER_TEXT[1]):
        raise Invalid("text_invalid")
    if caption is not None and (not isinstance(caption, str) or len(caption) > MAX_CAPTION):
        raise Invalid("text_invalid")
    for name in ("action", "imageUrl", "comment"):
        if viber.get(name) is not None and not isinstance(viber.get(name), str):
            raise Invalid("text_invalid")
    return {
        "channel": "viber", "source": subject.strip(), "destination": destination,
        "text": text if content_type != "image" else (text or ""), "transport": FALLBACK_TRANSPORT,
        "validity_seconds": validity, "fallback": None,
        "extra": {"content_type": content_type, "priority": priority, "caption": caption,
                  "action": viber.get("action"), "image_url": viber.get("imageUrl"), "comment": viber.get("comment")},
    }


def _sms_stage(sms: dict) -> dict:
    """The `sms` section (vk.md §2.4) checked as §6.3 says, as the chain's SMS stage."""
    text = sms.get("text")
    if _blank(text) or not isinstance(text, str):
        raise Invalid("sms_text_not_specified")
    source = sms.get("srcAddress")
    if _blank(source) or isinstance(source, bool) or not isinstance(source, (str, int)):
        raise Invalid("sms_subject_not_specified")
    if sms.get("validityPeriod") is None:
        raise Invalid("sms_validity_period_not_specified")
    validity = _in_range(sms.get("validityPeriod"), SMS_VALIDITY)
    if validity is None:
        raise Invalid("invalid_sms_validity_period")
    destination = _phone(sms.get("dstAddress"))
    return {"channel": "sms", "source": str(source).strip(), "destination": destination, "text": text,
            "transport": FALLBACK_TRANSPORT, "validity_seconds": validity, "fallback": None}
