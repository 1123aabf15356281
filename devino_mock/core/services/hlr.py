"""What an HLR answer says about a subscriber besides reachability: country and mobile operator
by number prefix (hlr.md §5.1). A small table; it reproduces the documented pair for
+79001234567. Unknown prefixes give empty strings."""

from __future__ import annotations

from devino_mock.core.numbers import longest_prefix

RUSSIA = "Россия"
OPERATORS: dict[str, tuple[str, str]] = {
    "7": (RUSSIA, ""),
    "7900": (RUSSIA, "ОАО Вымпел-Коммуникации(Москва)"),  # the documented example (hlr.md §3)
    "7903": (RUSSIA, "ОАО Вымпел-Коммуникации(Москва)"),
    "7905": (RUSSIA, "ОАО Вымпел-Коммуникации(Москва)"),
    "7909": (RUSSIA, "ОАО Вымпел-Коммуникации(Москва)"),
    "7910": (RUSSIA, "ОАО Мобильные ТелеСистемы(Москва)"),
    "7915": (RUSSIA, "ОАО Мобильные ТелеСистемы(Москва)"),
    "7916": (RUSSIA, "ОАО Мобильные ТелеСистемы(Москва)"),
    "7917": (RUSSIA, "ОАО Мобильные ТелеСистемы(Москва)"),
    "7925": (RUSSIA, "ОАО МегаФон(Москва)"),
    "7926": (RUSSIA, "ОАО МегаФон(Москва)"),
    "7999": (RUSSIA, "ООО Скартел"),
    "77": ("Казахстан", ""),
    "380": ("Украина", ""),
    "375": ("Беларусь", ""),
}


def subscriber(number: str) -> tuple[str, str]:
    """(country, mobile operator) of a number, or ("", "")."""
    return longest_prefix(number, OPERATORS, ("", ""))  # type: ignore[return-value]
