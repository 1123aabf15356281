"""Code and Description of every outcome, per method (twofa.md §3, §4): exact strings, typos
kept ("requsts", "Code not Found"). The same number means different things in the two methods."""

from __future__ import annotations

from devino_mock.core.services import twofa as t

COMMON = {
    t.INVALID_KEY: (1, "Invalid ApiKey"),
    t.INVALID_PHONE: (2, "Invalid Phone"),
    t.RATE_LIMITED: (3, "Limit requsts by time is over"),
}
INTERNAL = (4, "Internal Server Error")

GENERATE = {
    t.SENT: (0, "Code Sent"),
    **COMMON,
    t.SEND_FAILED: (5, "Error sending message"),
    t.INVALID_IMSI: (6, "Invalid IMSI Code"),
    t.CODE_EXISTS: (7, "Code Exist"),
}
CHECK = {
    t.VALID: (0, "Valid Code"),
    **COMMON,
    t.NOT_FOUND: (5, "Code not Found"),
    t.EXPIRED: (6, "Code Expired"),
}

# What an injected Code 5 stands for in each method (twofa.md §7).
FAILED_OUTCOME = {"GenerateCode": t.SEND_FAILED, "CheckCode": t.NOT_FOUND}
