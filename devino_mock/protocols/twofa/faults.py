"""Business faults of the 2FA service (twofa.md §7, `POST /_emulator/twofa/faults`): the next
calls of one method answer Code 4 ("Internal Server Error") or 5 with HTTP 200, as the real
service does when it fails, before anything is generated or checked. Kept as a store value:
state, cleared by a reset, kept with --data-dir."""

from __future__ import annotations

from typing import get_args

from devino_mock.control.table import Call, ControlError, ControlTable, json_response
from devino_mock.core.services.twofa import FAULTS_KEY as KEY, FaultCode, FaultMethod

METHODS = get_args(FaultMethod)
CODES = get_args(FaultCode)
MAX_FAULTS = 100


class TwofaFaults:
    def __init__(self, store) -> None:
        self.store = store

    def active(self) -> list[dict]:
        return [dict(f) for f in self.store.value(KEY, None) or []]

    def add(self, data: object) -> dict:
        if not isinstance(data, dict) or set(data) - {"endpoint", "code", "count"}:
            raise ControlError("a 2FA fault is {\"endpoint\": \"GenerateCode\"|\"CheckCode\", \"code\": 4|5, \"count\": N}")
        endpoint = next((m for m in METHODS if isinstance(data.get("endpoint"), str)
                         and m.casefold() == data["endpoint"].strip().casefold()), None)
        if endpoint is None:
            raise ControlError(f"'endpoint' must be one of {list(METHODS)}")
        code, count = data.get("code"), data.get("count", 1)
        if isinstance(code, bool) or code not in CODES:
            raise ControlError(f"'code' must be one of {list(CODES)}")
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10**6:
            raise ControlError("'count' must be a whole number from 1 to 1000000")
        faults = self.active()
        if len(faults) >= MAX_FAULTS:
            raise ControlError(f"at most {MAX_FAULTS} 2FA faults at once")
        [number] = self.store.next_ids(KEY, 1, 1)
        fault = {"id": number, "endpoint": endpoint, "code": code, "count": count, "fired": 0}
        self.store.set_value(KEY, [*faults, fault])
        return fault

    def clear(self) -> None:
        self.store.set_value(KEY, [])

    def draw(self, method: str) -> int | None:
        """The code the next call of `method` must answer, if a fault says so (it counts)."""
        faults = self.store.value(KEY, None)
        if not faults:
            return None
        for fault in faults:
            if fault["endpoint"] == method and fault["fired"] < fault["count"]:
                fault["fired"] += 1
                self.store.set_value(KEY, [dict(f) for f in faults])
                return fault["code"]
        return None


def control(table: ControlTable, emulator) -> None:
    faults = TwofaFaults(emulator.platform.store)

    async def add(call: Call):
        return json_response(faults.add(await call.body()), status=201)

    async def listed(call: Call):
        return json_response(faults.active())

    async def clear(call: Call):
        faults.clear()
        return json_response([])

    table.add("POST", "/twofa/faults", add, "the next GenerateCode or CheckCode calls answer Code 4 or 5")
    table.add("GET", "/twofa/faults", listed, "the 2FA faults with how many times each fired")
    table.add("DELETE", "/twofa/faults", clear, "remove every 2FA fault")
