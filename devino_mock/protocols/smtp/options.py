"""What support arranges per account for the SMTP e-mail API (smtp-email2sms.md B.1, B.2): the
IP addresses the client connects from ("Сообщить IP-адрес…", an allow-list, off while empty),
and the addresses the platform filters out ("автоматически фильтровать отписавшиеся и hard
bounce адреса"). Steered through `/_mock/smtp/accounts/{login}` (protocols/per_account.py)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from devino_mock.core.addresses import normalize_email
from devino_mock.core.platform import Platform
from devino_mock.protocols.per_account import PerAccount, check_known


@dataclass
class AccountOptions:
    allowed_ips: list[str] = field(default_factory=list)  # addresses or networks (CIDR); empty: any
    unsubscribed: list[str] = field(default_factory=list)  # e-mail addresses that unsubscribed
    bounced: list[str] = field(default_factory=list)  # hard-bounce e-mail addresses

    def update(self, values: dict) -> None:
        check_known(self, values)
        for name in ("allowed_ips", "unsubscribed", "bounced"):
            if name in values:
                items = values[name]
                if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                    raise ValueError(f"{name}: a list of strings")
                if name == "allowed_ips":
                    for item in items:
                        try:
                            ipaddress.ip_network(item.strip(), strict=False)
                        except ValueError:
                            raise ValueError(f"allowed_ips: not an address or network: {item!r}") from None
                setattr(self, name, [i.strip() for i in items])

    def ip_allowed(self, peer: str | None) -> bool:
        if not self.allowed_ips:
            return True
        try:
            address = ipaddress.ip_address((peer or "").split("%")[0])
        except ValueError:
            return False
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in ipaddress.ip_network(net, strict=False) for net in self.allowed_ips)

    def filtered(self, address: str) -> str | None:
        """Why the platform does not send to `address` ("unsubscribed", "bounced"), or None."""
        wanted = (normalize_email(address) or address.strip()).casefold()
        for reason, addresses in (("unsubscribed", self.unsubscribed), ("bounced", self.bounced)):
            if any((normalize_email(a) or a.strip()).casefold() == wanted for a in addresses):
                return reason
        return None


def smtp_options(platform: Platform) -> PerAccount[AccountOptions]:
    return PerAccount(platform, "smtp.options", AccountOptions)
