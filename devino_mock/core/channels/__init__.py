"""Every channel, declared once (DESIGN.md "Channels, not special cases")."""

from __future__ import annotations

from devino_mock.core.channels.base import Channel, Status, Step
from devino_mock.core.channels.email import EMAIL
from devino_mock.core.channels.hlr import HLR
from devino_mock.core.channels.sms import SMS
from devino_mock.core.channels.viber import VIBER
from devino_mock.core.channels.vk import VK

CHANNELS: dict[str, Channel] = {c.name: c for c in (SMS, EMAIL, VIBER, HLR, VK)}


def channel(name: str) -> Channel:
    try:
        return CHANNELS[name]
    except KeyError:
        raise ValueError(f"unknown channel {name!r}: one of {sorted(CHANNELS)}") from None


__all__ = ["CHANNELS", "Channel", "EMAIL", "HLR", "SMS", "Status", "Step", "VIBER", "VK", "channel"]
