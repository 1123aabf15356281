"""What the XML API does where the documentation leaves a choice (xml-api.md §5.9), per account,
as support would arrange it: `/_mock/xml/accounts/{login}` (protocols/per_account.py)."""

from __future__ import annotations

from dataclasses import dataclass

from devino_mock.core.platform import Platform
from devino_mock.protocols.per_account import PerAccount, check_known
from devino_mock.protocols.xmlapi import codes

SUCCESS_CODES = (codes.ACCEPTED, 1)  # 1: the seed's only success example (X1)


@dataclass
class AccountOptions:
    unique_ids: bool = False  # X2: a client `id` this account already used is 201 ERR_ID
    success_code: int = codes.ACCEPTED  # X1: what an accepted send answers; 1 as the example shows

    def update(self, values: dict) -> None:
        check_known(self, values)
        if "unique_ids" in values:
            if not isinstance(values["unique_ids"], bool):
                raise ValueError("unique_ids: true or false")
            self.unique_ids = values["unique_ids"]
        if "success_code" in values:
            if values["success_code"] not in SUCCESS_CODES or isinstance(values["success_code"], bool):
                raise ValueError(f"success_code: one of {', '.join(map(str, SUCCESS_CODES))}")
            self.success_code = values["success_code"]


def xml_options(platform: Platform) -> PerAccount[AccountOptions]:
    return PerAccount(platform, "xml.options", AccountOptions)
