"""The QA sandbox's control calls: faults (mock-interface.md §12), the request journal (§16),
the event stream (§14) and snapshots. Each handler is one operation on the platform or on the
emulator's watch."""

from __future__ import annotations

from devino_mock.control import lists
from devino_mock.control.events import EventHub
from devino_mock.control.table import Call, ControlError, ControlTable, json_response
from devino_mock.control.watch import FAULTS_KEY, RequestJournal, Watch
from devino_mock.core.platform import Platform
from devino_mock.web import MAX_BODY as MAX_SNAPSHOT_BODY  # as large as any request the emulator reads


def register(table: ControlTable, platform: Platform, watch: Watch, hub: EventHub, changes,
             after_load) -> None:
    faults = watch.faults

    async def list_faults(call: Call):
        return json_response(faults.active())

    async def add_fault(call: Call):
        return json_response(faults.add(await call.body()), status=201)

    async def clear_faults(call: Call):
        faults.clear()
        return json_response([])

    async def delete_fault(call: Call):
        try:
            fault_id = int(call.params["id"])
        except ValueError:
            fault_id = -1
        if not faults.clear(fault_id):
            raise ControlError(f"no fault {call.params['id']!r}", 404)
        return json_response(faults.active())

    async def list_requests(call: Call):
        query = lists.parse(call, RequestJournal.FILTERS)

        def views() -> list[dict]:
            return [e.view() for e in watch.journal.entries
                    if all(str(e.get(k)).lower() == v.lower() for k, v in query.filters.items())]
        return await lists.answer(query, views, changes)

    async def export(call: Call):
        return json_response(platform.export())

    async def load(call: Call):
        document = await call.body(MAX_SNAPSHOT_BODY)
        values = document.get("values")
        if isinstance(values, dict) and isinstance(values.get(FAULTS_KEY), list):
            checked = []
            for i, fault in enumerate(values[FAULTS_KEY]):
                if not isinstance(fault, dict) or type(fault.get("id")) is not int \
                        or type(fault.get("fired", 0)) is not int:
                    raise ControlError(f"values.faults[{i}]: a fault object with its 'id' and 'fired'")
                try:
                    kept = faults.validate({k: v for k, v in fault.items() if k not in ("id", "fired")})
                except ControlError as exc:
                    raise ControlError(f"values.faults[{i}]: {exc}") from None
                checked.append({"id": fault["id"], **kept, "fired": fault.get("fired", 0)})
            document = {**document, "values": {**values, FAULTS_KEY: checked}}
        try:
            platform.load(document)
        except ValueError as exc:
            raise ControlError(f"not loaded: {exc}") from None
        after_load()
        return json_response({"status": "loaded", "messages": len(document.get("messages") or [])})

    async def list_surfaces(call: Call):
        return json_response(faults.surfaces())

    for method, pattern, handler, summary in (
        ("GET", "/surfaces", list_surfaces, "every surface: what faults and the request journal name"),
        ("GET", "/faults", list_faults, "the active faults with how many times each fired"),
        ("POST", "/faults", add_fault, "make a surface misbehave: latency, error or disconnect"),
        ("DELETE", "/faults", clear_faults, "remove every fault"),
        ("DELETE", "/faults/{id}", delete_fault, "remove one fault"),
        ("GET", "/requests", list_requests, "every request that reached a surface, with its answer"),
        ("GET", "/events", hub.stream, "Server-Sent Events: messages, statuses, callbacks, incoming"),
        ("GET", "/snapshot", export, "the whole state as one JSON document"),
        ("POST", "/snapshot", load, "replace the whole state with a snapshot (checked before it is loaded)"),
    ):
        table.add(method, pattern, handler, summary)
