"""`/_mock/ftp/…`: what became of every uploaded file (the real platform shows this only in the
personal account, ftp.md §1), and the per-account arrangements support would make."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from devino_mock.control.views import iso
from devino_mock.protocols.ftp.folder import AccountOptions, DropFolder, Upload
from devino_mock.web import Router


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


def _json(payload: object, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def _json_files(uploads: list[Upload], one: bool = False) -> web.Response:
    """Uploads with their rows: an archive of 100,000 rows is a 16 MB answer, written in a
    thread so the loop keeps serving others meanwhile (json.dumps lets go of the GIL between
    the loop's turns)."""
    views: object = upload_view(uploads[0]) if one else [upload_view(u) for u in uploads]
    if sum(len(u.rows) for u in uploads) < 2_000:
        return _json(views)
    text = await asyncio.to_thread(json.dumps, views, ensure_ascii=False)
    return web.Response(text=text, content_type="application/json")


class FtpControl:
    def __init__(self, folder: DropFolder) -> None:
        self.folder = folder

    def register(self, router: Router) -> None:
        router.add("/_mock/ftp", self.handle)
        router.add_prefix("/_mock/ftp", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        parts = [p for p in request.path.split("/") if p][2:]
        try:
            return await self._route(request, request.method, parts)
        except ValueError as exc:
            return _json({"error": str(exc)}, status=400)

    async def _route(self, request: web.Request, method: str, parts: list[str]) -> web.Response:
        folder = self.folder
        head = parts[0].lower() if parts else ""
        if not parts and method == "GET":
            return _json({"root": str(folder.root), "poll_interval": folder.poll_interval,
                          "next_poll": iso(folder.next_poll)})
        if head == "files" and len(parts) == 1 and method == "GET":
            login, status = request.query.get("login"), request.query.get("status")
            return await _json_files([u for u in folder.uploads
                                      if (not login or u.login == login) and (not status or u.status == status)])
        if head == "files" and len(parts) == 2 and method == "GET":
            found = [u for u in folder.uploads if str(u.id) == parts[1]]
            if not found:
                return _json({"error": f"no uploaded file {parts[1]!r}"}, status=404)
            return await _json_files(found, one=True)
        if head == "accounts" and len(parts) == 2:
            login = parts[1]
            if method == "GET":
                return _json({"login": login, **folder.options_for(login).to_dict()})
            if method in ("POST", "PUT"):
                body = await request.read()
                try:
                    data = json.loads(body or b"{}")
                except ValueError as exc:
                    raise ValueError(f"the body is not JSON: {exc}") from None
                folder.options[login] = AccountOptions.from_dict(data)
                return _json({"login": login, **folder.options[login].to_dict()})
            if method == "DELETE":
                folder.options.pop(login, None)
                return _json({"login": login, **folder.options_for(login).to_dict()})
        return _json({"error": f"no control call {method} /_mock/ftp/{'/'.join(parts)}"}, status=404)
