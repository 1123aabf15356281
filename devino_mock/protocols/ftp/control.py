"""`/_mock/ftp/…`: what became of every uploaded file (the real platform shows this only in the
personal account, ftp.md §1), and the per-account arrangements support would make."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from devino_mock.control import Call, ControlError, ControlTable, json_response
from devino_mock.control.views import iso
from devino_mock.protocols.ftp.folder import AccountOptions, DropFolder, Upload


ROWS_PER_PIECE = 2_000  # rows encoded between two turns of the loop


def upload_summary(upload: Upload) -> dict:
    """An upload without its rows (and the ids they became)."""
    return {
        "id": upload.id,
        "login": upload.login,
        "name": upload.name,
        "path": upload.ftp_path,
        "size": upload.size,
        "uploaded_at": iso(upload.uploaded_at),
        "status": upload.status,
        "note": upload.note,
        "mode": upload.mode,
        "processed_at": iso(upload.processed_at),
        "warnings": list(upload.warnings),
        "accepted": upload.accepted,
        "rejected": len(upload.rows) - upload.accepted,
    }


def upload_view(upload: Upload) -> dict:
    return {**upload_summary(upload),
            "message_ids": [r.get("message_id") for r in upload.rows if r.get("status") == "accepted"],
            "rows": upload.rows}


async def _json_files(request: web.Request, uploads: list[Upload], one: bool = False) -> web.StreamResponse:
    """Uploads with their rows. An archive of 100,000 rows is a 16 MB answer: it is encoded
    and written a piece at a time, the loop serving others between pieces (json.dumps of the
    whole holds the GIL, in a thread or not, for a tenth of a second and more)."""
    if sum(len(u.rows) for u in uploads) < ROWS_PER_PIECE:
        return json_response(upload_view(uploads[0]) if one else [upload_view(u) for u in uploads])
    response = web.StreamResponse(headers={"Content-Type": "application/json; charset=utf-8"})
    await response.prepare(request)
    await response.write(b"" if one else b"[")
    for number, upload in enumerate(uploads):
        head = json.dumps(upload_summary(upload), ensure_ascii=False)[:-1]
        await response.write(((", " if number else "") + head + ', "message_ids": [').encode())
        await _write_pieces(response, upload.rows,
                            lambda rows: [r.get("message_id") for r in rows if r.get("status") == "accepted"])
        await response.write(b'], "rows": [')
        await _write_pieces(response, upload.rows, lambda rows: rows)
        await response.write(b"]}")
    await response.write(b"" if one else b"]")
    await response.write_eof()
    return response


async def _write_pieces(response: web.StreamResponse, rows: list[dict], items) -> None:
    """The JSON array items of `items(rows)`, without brackets, ROWS_PER_PIECE rows at a time."""
    first = True
    for start in range(0, len(rows), ROWS_PER_PIECE):
        encoded = json.dumps(items(rows[start:start + ROWS_PER_PIECE]), ensure_ascii=False)[1:-1]
        if encoded:
            await response.write((encoded if first else ", " + encoded).encode())
            first = False
        await asyncio.sleep(0)


def _wants_rows(call: Call) -> bool:
    """`?rows=false`: the uploads without their rows and message ids (counts stay)."""
    value = (call.query.get("rows") or "true").strip().lower()
    if value not in ("true", "false", "1", "0"):
        raise ControlError("'rows' must be true or false")
    return value in ("true", "1")


class FtpControl:
    """The `/_mock/ftp` calls; the folder arrives when the FTP listener starts."""

    def __init__(self) -> None:
        self.folder: DropFolder | None = None

    def _folder(self) -> DropFolder:
        if self.folder is None:
            raise ControlError("the FTP drop folder is not running", 503)
        return self.folder

    async def settings(self, call: Call) -> web.Response:
        folder = self._folder()
        return json_response({"root": str(folder.root), "poll_interval": folder.poll_interval,
                              "next_poll": iso(folder.next_poll)})

    async def files(self, call: Call) -> web.StreamResponse:
        login, status = call.query.get("login"), call.query.get("status")
        uploads = [u for u in self._folder().uploads()
                   if (not login or u.login == login) and (not status or u.status == status)]
        if not _wants_rows(call):
            return json_response([upload_summary(u) for u in uploads])
        return await _json_files(call.request, uploads)

    async def file(self, call: Call) -> web.StreamResponse:
        found = self._folder().upload(call.params["id"])
        if found is None:
            raise ControlError(f"no uploaded file {call.params['id']!r}", 404)
        if not _wants_rows(call):
            return json_response(upload_summary(found))
        return await _json_files(call.request, [found], one=True)

    async def options(self, call: Call) -> web.Response:
        folder, login = self._folder(), call.params["login"]
        if call.request.method in ("POST", "PUT"):
            folder.set_options(login, AccountOptions.from_dict(await call.body()))
        elif call.request.method == "DELETE":
            folder.drop_options(login)
        return json_response({"login": login, **folder.options_for(login).to_dict()})

    def register(self, table: ControlTable) -> None:
        table.add("GET", "/ftp", self.settings, "the FTP drop folder's settings")
        table.add("GET", "/ftp/files", self.files, "uploaded files and what became of them")
        table.add("GET", "/ftp/files/{id}", self.file, "one uploaded file")
        for method in ("GET", "POST", "PUT", "DELETE"):
            table.add(method, "/ftp/accounts/{login}", self.options, "an account's drop-folder arrangements")
