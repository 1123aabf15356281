"""The QA web UI (mock-interface.md §14): static files inside the package under /_mock/ui/,
nothing from another host. The page itself calls only the documented /_mock/ API."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from devino_mock.control.table import Call, ControlError, ControlTable

TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml",
         ".json": "application/json", ".png": "image/png", ".ico": "image/x-icon"}


def _files() -> dict[str, bytes]:
    """Every file of the UI, read once (a handful of small files)."""
    root = resources.files("devino_mock.control") / "ui"
    return {entry.name: entry.read_bytes() for entry in root.iterdir() if entry.is_file()}


def register(table: ControlTable, router) -> None:
    files = _files()

    async def serve(call: Call) -> web.StreamResponse:
        name = call.params.get("path") or "index.html"
        suffix = name[name.rfind("."):] if "." in name else ""
        if name not in files or suffix not in TYPES:
            raise ControlError(f"no UI file {name!r}", 404)
        return web.Response(body=files[name], content_type=TYPES[suffix],
                            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    async def home(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/_mock/ui/")

    async def icon(request: web.Request) -> web.StreamResponse:
        # Browsers ask for it on their own: an answer here keeps a 404 out of the request journal.
        return web.Response(body=files["icon.svg"], content_type=TYPES[".svg"])

    table.add("GET", "/ui/{path*}", serve, "the QA web UI")
    router.add("/", home, surface="control")
    router.add("/favicon.ico", icon, surface="control")
