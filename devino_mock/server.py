"""Starts and stops every listener on one event loop, and the ticker that moves the
platform along the virtual clock in real time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Awaitable, Callable

from aiohttp import web

from devino_mock import fixtures as fixture_files
from devino_mock.config import Settings
from devino_mock.control import ControlTable, json_response
from devino_mock.control import generate, openapi, resources, sandbox, services, webui
from devino_mock.control.events import Changes, EventHub
from devino_mock.control.metrics import Metrics
from devino_mock.control.sinks import Sinks
from devino_mock.control.watch import Watch
from devino_mock.core.platform import Platform
from devino_mock.core.store import open_store
from devino_mock.core.store.base import GroupCommit
from devino_mock.outbound import HttpSender
from devino_mock.protocols import addressbook, email_http, ftp, rest, smpp, sms_push, smtp, soap, twofa, viber, vk, xmlapi
from devino_mock.web import UNMATCHED, Router, make_app, watched

log = logging.getLogger("devino_mock")
TICK_CEILING = 0.5  # seconds: the longest the ticker sleeps, so clock jumps are noticed soon
# The shortest: due steps of many messages run (and are written) together rather than one
# wake-up and one commit each; every read runs what is due first anyway.
TICK_FLOOR = 0.02
TICK_BATCH = 500  # due pieces of work the ticker runs per turn of the loop (each then committed)


# The surfaces. Each protocol package offers what it has of this contract:
#   register(router, platform)       its HTTP routes on the one HTTP port
#   control(table, emulator)         its own /_mock/ calls (returns what `start` completes)
#   start(emulator, host, port)      a socket listener: an object with `.port` and `async close()`
# and adds to emulator.reset_hooks what it forgets on reset.
# Each HTTP surface with the name its routes are tagged with (a package may tag some routes
# with another name: REST v2 is "rest_v2", SOAP v2 "soap_v2").
HTTP_SURFACES = (("rest", rest), ("soap", soap), ("xml", xmlapi), ("viber_api", viber), ("vk", vk),
                 ("2fa", twofa), ("sms_push", sms_push), ("email_api", email_http), ("addressbook", addressbook))
SOCKET_LISTENERS = (("smpp", smpp), ("smtp", smtp), ("ftp", ftp))
EXTRA_SURFACES = ("rest_v2", "soap_v2", "callbacks", UNMATCHED)  # UNMATCHED ("http"): requests to no known path


class ListenerError(RuntimeError):
    """A listener could not bind."""


class Emulator:
    def __init__(self, settings: Settings | None = None, platform: Platform | None = None) -> None:
        self.settings = settings or Settings()
        self.platform = platform or Platform(
            fixture_files.load(self.settings.fixtures),
            store=open_store(self.settings.data_dir, self.settings.max_messages))
        self.router = Router()
        self.ports: dict[str, int] = {}
        self.reset_hooks: list[Callable[[], None]] = []
        self.login_reset_hooks: list[Callable[[str], None]] = []  # what a surface forgets of one account
        self.controls: dict[str, object] = {}
        self._runner: web.AppRunner | None = None
        self._listeners: list = []
        self._ticker: asyncio.Task | None = None
        self._sender = HttpSender()
        self.tls_files = None  # tls.TlsFiles with --tls
        self.tls_context = None  # the server-side ssl.SSLContext with --tls
        for name, surface in HTTP_SURFACES:
            if surface is soap:  # the SOAP spelling switches are settings
                soap.register(self.router.for_surface(name), self.platform, self.settings)
            else:
                surface.register(self.router.for_surface(name), self.platform)
        self.changes = Changes()
        self.events = EventHub(self.platform, self.changes)
        self.watch = Watch(self.platform, self.surfaces, self.changes.notify)
        self.metrics = Metrics(self.platform)
        self.watch.observers.append(self.metrics.observe)
        # The UI shows the request journal live too: each entry is a "request_recorded" event.
        self.watch.observers.append(lambda entry, _: self.events.listening and self.events.publish_view(
            {"type": "request_recorded", "request": entry.view()}))
        self.reset_hooks.append(self.watch.journal.reset)
        self.login_reset_hooks.append(self.watch.journal.forget_login)
        self.control = ControlTable()
        resources.register(self.control, self.platform, lambda: dict(self.ports), self._reset_surfaces,
                           self.changes, self._reset_login)
        sandbox.register(self.control, self.platform, self.watch, self.events, self.changes,
                         after_load=self._reset_surfaces_state)
        services.register(self.control, self.platform)
        sinks = Sinks(self.platform, self.changes)
        sinks.register(self.control)
        self.reset_hooks.append(sinks.reset)
        for _, surface in HTTP_SURFACES:
            if hasattr(surface, "control"):
                surface.control(self.control, self)
        for name, module in SOCKET_LISTENERS:
            if hasattr(module, "control"):
                self.controls[name] = module.control(self.control, self)
        self.control.add("GET", "/metrics", self.metrics.scrape, "Prometheus metrics")
        generate.register(self.control, self.platform)
        webui.register(self.control, self.router)
        openapi.register(self.control)
        self.control.add("GET", "/", self._index, "every control call")
        self.router.add_prefix("/_mock", self.control.handle, surface="control")
        self.router.add("/_mock", self.control.handle, surface="control")

    def surfaces(self) -> list[str]:
        """Every surface name a fault may target (mock-interface.md §12)."""
        return sorted({name for name, _ in HTTP_SURFACES} | {name for name, _ in SOCKET_LISTENERS}
                      | set(EXTRA_SURFACES))

    def _reset_surfaces(self) -> None:
        for hook in list(self.reset_hooks):
            hook()

    def _reset_surfaces_state(self) -> None:
        """After a snapshot replaced the platform's state: the surfaces forget theirs."""
        self._reset_surfaces()

    def _reset_login(self, login: str) -> None:
        for hook in list(self.login_reset_hooks):
            hook(login)

    async def _index(self, call) -> web.Response:
        return json_response([{"method": m, "path": p, "summary": s} for m, p, s in self.control.routes()])

    async def start(self) -> None:
        s = self.settings
        try:
            self._runner = web.AppRunner(make_app(self.router, watched(self.watch), GroupCommit(self.platform.store)),
                                         access_log=None, handle_signals=False)
            await self._runner.setup()
            site = web.TCPSite(self._runner, s.host, s.http_port, reuse_address=True)
            await self._bind("http", s.http_port, site.start())
            self.ports["http"] = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            if s.tls:  # the same services over HTTPS, and TLS for SMTP (tls.py)
                from devino_mock import tls

                self.tls_files = tls.ensure(s.tls_dir)
                self.tls_context = self.tls_files.server_context()
                secure = web.TCPSite(self._runner, s.host, s.https_port, ssl_context=self.tls_context, reuse_address=True)
                await self._bind("https", s.https_port, secure.start())
                self.ports["https"] = secure._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            for name, module in SOCKET_LISTENERS:
                port = getattr(s, f"{name}_port")
                listener = await self._bind(name, port, module.start(self, s.host, port))
                self._listeners.append(listener)
                self.ports[name] = listener.port
                if getattr(listener, "tls_port", None):
                    self.ports[f"{name}s"] = listener.tls_port
        except BaseException:
            await self.stop()
            raise
        self.platform.outbox.sender = self.watch.callback_sender(self._sender)
        self._ticker = asyncio.create_task(self._tick_forever(), name="devino-mock-ticker")

    async def _bind(self, name: str, port: int, start: Awaitable):
        try:
            return await start
        except OSError as exc:
            raise ListenerError(f"cannot listen for {name} on {self.settings.host}:{port}: {exc.strerror or exc}") from exc

    async def _tick_forever(self) -> None:
        while True:
            try:
                # A bounded share per turn: after a restart over 100,000 overdue steps, or a
                # clock set far ahead, the loop keeps answering while the ticker catches up
                # (anybody reading state still runs everything due first).
                ran = self.platform.tick(limit=TICK_BATCH)
                self.platform.store.flush()
            except Exception:  # the ticker must outlive any one failure (a full disk, a bug)
                log.exception("ticker")
                ran = 0
            due = self.platform.scheduler.next_due()
            if ran >= TICK_BATCH:
                wait = 0.0  # more is due: go on after the loop's other work
            else:
                wait = TICK_CEILING if due is None else min(TICK_CEILING, max(TICK_FLOOR, due - self.platform.clock.timestamp()))
            await asyncio.sleep(wait)

    async def stop(self) -> None:
        self.events.close()
        if self._ticker:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        for listener in reversed(self._listeners):
            await listener.close()
        self._listeners.clear()
        self.platform.outbox.sender = None
        await self._sender.close()
        self.platform.store.close()
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        host = self.settings.host
        if host in ("0.0.0.0", "", "::"):
            host = "127.0.0.1"
        return f"http://{host}:{self.ports['http']}"


class BackgroundEmulator:
    """The emulator on its own event loop in a daemon thread: for the pytest plugin and for
    embedding in synchronous programs. `with BackgroundEmulator() as emu: emu.base_url`."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.ephemeral()
        self.emulator: Emulator | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> "BackgroundEmulator":
        self._thread = threading.Thread(target=self._run, name="devino-mock", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error:
            raise self._error
        if self.emulator is None:
            raise RuntimeError("devino-mock did not start within 30 seconds")
        return self

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stopped = asyncio.Event()
            emulator = Emulator(self.settings)
            try:
                await emulator.start()
            except BaseException as exc:  # reported to the starting thread
                self._error = exc
                self._ready.set()
                return
            self.emulator = emulator
            self._ready.set()
            try:
                await self._stopped.wait()
            finally:
                await emulator.stop()

        asyncio.run(main())

    def stop(self) -> None:
        if self._loop and self._stopped and self._thread and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopped.set)
            self._thread.join(10)

    def call(self, fn: Callable[[], object]) -> object:
        """Run `fn` on the emulator's loop (the platform is not thread-safe) and return its result."""
        assert self._loop is not None

        async def run() -> object:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(30)

    @property
    def base_url(self) -> str:
        assert self.emulator is not None
        return self.emulator.base_url

    @property
    def ports(self) -> dict[str, int]:
        assert self.emulator is not None
        return dict(self.emulator.ports)

    def __enter__(self) -> "BackgroundEmulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
