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
from devino_mock.control.api import ControlApi
from devino_mock.core.platform import Platform
from devino_mock.protocols import ftp, rest, smpp, smtp, soap, xmlapi
from devino_mock.web import Router, make_app

log = logging.getLogger("devino_mock")
TICK_CEILING = 0.5  # seconds: the longest the ticker sleeps, so clock jumps are noticed soon


# Socket listeners beside HTTP. Each module offers `async start(emulator, host, port)`
# returning an object with `.port` and `async close()`.
SOCKET_LISTENERS = (("smpp", smpp), ("smtp", smtp), ("ftp", ftp))


class ListenerError(RuntimeError):
    """A listener could not bind."""


class Emulator:
    def __init__(self, settings: Settings | None = None, platform: Platform | None = None) -> None:
        self.settings = settings or Settings()
        self.platform = platform or Platform(fixture_files.load(self.settings.fixtures))
        self.router = Router()
        self.ports: dict[str, int] = {}
        self.reset_hooks: list[Callable[[], None]] = []
        self._runner: web.AppRunner | None = None
        self._listeners: list = []
        self._ticker: asyncio.Task | None = None
        self.tls_files = None  # tls.TlsFiles with --tls
        self.tls_context = None  # the server-side ssl.SSLContext with --tls
        for surface in (rest, xmlapi):
            surface.register(self.router, self.platform)
        soap.register(self.router, self.platform, self.settings)  # its spelling switches
        ControlApi(self.platform, lambda: dict(self.ports), self.reset_hooks).register(self.router)

    async def start(self) -> None:
        s = self.settings
        try:
            self._runner = web.AppRunner(make_app(self.router), access_log=None, handle_signals=False)
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
        self._ticker = asyncio.create_task(self._tick_forever(), name="devino-mock-ticker")

    async def _bind(self, name: str, port: int, start: Awaitable):
        try:
            return await start
        except OSError as exc:
            raise ListenerError(f"cannot listen for {name} on {self.settings.host}:{port}: {exc.strerror or exc}") from exc

    async def _tick_forever(self) -> None:
        while True:
            self.platform.tick()
            due = self.platform.scheduler.next_due()
            wait = TICK_CEILING if due is None else min(TICK_CEILING, max(0.0, due - self.platform.clock.timestamp()))
            await asyncio.sleep(wait)

    async def stop(self) -> None:
        if self._ticker:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        for listener in reversed(self._listeners):
            await listener.close()
        self._listeners.clear()
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
