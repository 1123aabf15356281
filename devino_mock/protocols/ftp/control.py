"""`/_mock/ftp/…`: what became of every uploaded file (the real platform shows this only in the
personal account, ftp.md §1), and the per-account arrangements support would make."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from devino_mock.control import Call, ControlError, ControlTable, json_response
from devino_mock.control.views import iso
from devino_mock.protocols.ftp.folder import AccountOptions, DropFolder, Upload


def upload_view(upload: Upload) -> dict:
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
        "message_ids": [r.get("message_id") for r in upload.rows if r.get("status") == "accepted"],
        "rows": upload.rows,
    }


async def _json_files(uploads: list[Upload], one: bool = False) -> web.Response:
    """Uploads with their rows: an archive of 100,000 rows is a 16 MB answer, written in a
    thread so the loop keeps serving others meanwhile (json.dumps lets go of the GIL between
    the loop's turns)."""
    views: object = upload_view(uploads[0]) if one else [upload_view(u) for u in uploads]
    if sum(len(u.rows) for u in uploads) < 2_000:
        return json_response(views)
    text = await asyncio.to_thread(json.dumps, views, ensure_ascii=False)
    return web.Response(text=text, content_type="application/json")


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

    async def files(self, call: Call) -> web.Response:
        login, status = call.query.get("login"), call.query.get("status")
        return await _json_files([u for u in self._folder().uploads()
                                  if (not login or u.login == login) and (not status or u.status == status)])

    async def file(self, call: Call) -> web.Response:
        found = self._folder().upload(call.params["id"])
        if found is None:
            raise ControlError(f"no uploaded file {call.params['id']!r}", 404)
        return await _json_files([found], one=True)

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
