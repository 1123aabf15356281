"""The VK API of im.devinotele.com (vk.md): `/send/vk`, `/status/vk`, and the `vk_status`
callbacks it pushes."""

from devino_mock.protocols.vk.routes import register

__all__ = ["register"]
