"""pyftpdlib in its own thread. Logins are checked against the platform accounts on the event
loop (so accounts added through the control API can log in at once); each account is locked
into its own home; every finished upload is recorded by the drop folder on the loop before
the client hears "226 Transfer complete", so a test that advances the clock right after
STOR always sees its file, and a kept store (--data-dir) has it before the client is told."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

import warnings


with warnings.catch_warnings():
    # pyftpdlib imports asyncore, deprecated on 3.11; the warning is the library's, and
    # under `filterwarnings = error` it would stop a downstream suite that merely starts us.
    warnings.simplefilter("ignore", DeprecationWarning)
    from pyftpdlib.authorizers import AuthenticationFailed
    from pyftpdlib.handlers import DTPHandler, FTPHandler
    from pyftpdlib.ioloop import IOLoop
    from pyftpdlib.servers import FTPServer

from devino_mock.control.watch import Exchange
from devino_mock.core import errors
from devino_mock.core.platform import ByLogin, Platform
from devino_mock.protocols.ftp.folder import MAX_UPLOAD_BYTES, DropFolder

log = logging.getLogger("devino_mock.ftp")
# Every command the documentation lists (ftp.md §2.6) except chmod: e=CWD, l=LIST/NLST,
# r=RETR, a=APPE, d=DELE/RMD, f=RNFR/RNTO, m=MKD, w=STOR/STOU, T=MFMT.
PERMISSIONS = "elradfmwT"
HOME_QUOTA_BYTES = 4 * MAX_UPLOAD_BYTES
LOOP_CALL_TIMEOUT = 10.0
SERVE_SLICE = 0.1  # seconds the FTP thread waits for sockets before it looks at the stop flag


class LoopBridge:
    """The FTP thread's only way to the platform: calls run on the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, platform: Platform, folder: DropFolder) -> None:
        self.loop = loop
        self.platform = platform
        self.folder = folder
        self.watch = None  # the emulator's faults and request journal (control/watch.py), when served

    def draw_fault(self):
        """The faults that fire for one FTP command (None: none, or no watch)."""
        if self.watch is None:
            return None

        async def draw():
            return self.watch.faults.draw("ftp")

        try:
            return asyncio.run_coroutine_threadsafe(draw(), self.loop).result(LOOP_CALL_TIMEOUT)
        except Exception:  # the loop is stopping or too busy: no fault rather than a hang
            return None

    def journal(self, login: str | None, command: str, argument: str, reply: str | None, wait: bool = False) -> None:
        """Journal one command; `wait`: until the loop has recorded it (before a reply that
        the client may answer by reading the journal)."""
        if self.watch is None:
            return
        exchange = Exchange("ftp", command, argument, login=login or None,
                            status=reply[:3] if reply else None, response=reply)
        if not wait:
            self.loop.call_soon_threadsafe(self.watch.record, exchange)
            return

        async def record() -> None:
            self.watch.record(exchange)
        try:
            asyncio.run_coroutine_threadsafe(record(), self.loop).result(LOOP_CALL_TIMEOUT)
        except Exception:  # the loop is stopping or too busy: the entry may come late
            log.warning("FTP: %s not journalled within %s s", command, LOOP_CALL_TIMEOUT)

    def login_ok(self, login: str, password: str) -> bool:
        async def check() -> bool:
            try:
                self.platform.resolve(ByLogin(login, password))
            except errors.PlatformError:
                return False
            return True

        try:
            return asyncio.run_coroutine_threadsafe(check(), self.loop).result(LOOP_CALL_TIMEOUT)
        except Exception:  # the loop is stopping or too busy: refuse rather than hang
            log.warning("FTP login of %r could not be checked in time", login)
            return False

    def tell(self, method: str, *args: str) -> None:
        """Run a drop-folder call on the loop and wait for it: the upload is recorded (and, with
        --data-dir, committed) before the client hears the reply, ahead of anything it sends
        later."""
        action = getattr(self.folder, method)

        async def run() -> None:
            action(*args)

        try:
            done = asyncio.run_coroutine_threadsafe(run(), self.loop)
        except RuntimeError:  # the loop is closed: the process is ending
            log.warning("FTP: %s%r not recorded: the emulator is stopping", method, args)
            return
        try:
            done.result(LOOP_CALL_TIMEOUT)
        except TimeoutError:  # the loop is too busy: the reply must not hang on it
            log.warning("FTP: %s%r not recorded within %s s", method, args, LOOP_CALL_TIMEOUT)
        except Exception:
            log.exception("FTP: the drop folder failed on %s%r", method, args)


class PlatformAuthorizer:
    """pyftpdlib's authorizer interface over the platform accounts."""

    def __init__(self, bridge: LoopBridge) -> None:
        self.bridge = bridge

    def validate_authentication(self, username: str, password: str, handler: FTPHandler) -> None:
        if not self.bridge.login_ok(username, password):
            raise AuthenticationFailed("Authentication failed.")

    def get_home_dir(self, username: str) -> str:
        return str(self.bridge.folder.home(username))

    def has_user(self, username: str) -> bool:
        return True

    def has_perm(self, username: str, perm: str, path: str | None = None) -> bool:
        if perm not in PERMISSIONS:
            return False
        if path is None:
            return True
        home = Path(self.get_home_dir(username)).resolve()
        target = Path(path).resolve()
        return target == home or home in target.parents

    def get_perms(self, username: str) -> str:
        return PERMISSIONS

    def get_msg_login(self, username: str) -> str:
        return "Login successful."

    def get_msg_quit(self, username: str) -> str:
        return "Goodbye."

    def impersonate_user(self, username: str, password: str) -> None:
        return None

    def terminate_impersonation(self, username: str) -> None:
        return None


class BoundedDTPHandler(DTPHandler):
    """A data channel that refuses uploads beyond MAX_UPLOAD_BYTES and reports each finished
    upload before the 226 reply goes out."""

    too_large = False

    def handle_read(self) -> None:
        super().handle_read()
        file = self.file_obj
        if self.receive and not self._closed and file is not None and not file.closed and file.tell() > MAX_UPLOAD_BYTES:
            self.too_large = True
            self.transfer_finished = False
            self._resp = (f"552 Upload aborted: files are limited to {MAX_UPLOAD_BYTES} bytes.", log.info)
            self.close()

    handle_read_event = handle_read  # pyftpdlib's ioloop calls this alias, bound in the base class

    def close(self) -> None:
        file = self.file_obj
        if not self._closed and self.receive and file is not None:
            if not file.closed:
                file.close()
            if self.transfer_finished:
                self.cmd_channel.bridge.tell("upload_finished", self.cmd_channel.username, file.name)
            else:
                if self.too_large:
                    Path(file.name).unlink(missing_ok=True)
                self.cmd_channel.bridge.tell("upload_aborted", self.cmd_channel.username, file.name)
        super().close()


class DropFolderHandler(FTPHandler):
    bridge: LoopBridge  # set on the per-server subclass
    dtp_handler = BoundedDTPHandler
    banner = "devino-mock FTP drop folder ready."
    auth_failed_timeout = 0.2  # pyftpdlib waits 3 s; tests try wrong passwords on purpose

    _last_reply: str | None = None

    def respond(self, resp: str, logfun=None) -> None:
        self._last_reply = resp
        if logfun is None:
            super().respond(resp)
        else:
            super().respond(resp, logfun)

    # Commands that arrived while an earlier one waits out an injected delay: served after it,
    # in order (None: no command is waiting).
    _held: list | None = None

    def pre_process_command(self, line: str, cmd: str, arg: str) -> None:
        """Every command passes the injected faults (mock-interface.md §12) and is journalled
        with the reply it got (§16). A delay holds this client's reply, as a slow server would,
        but not the FTP thread: the other clients are served meanwhile."""
        if self._held is not None:
            self._held.append((line, cmd, arg))
            return
        # A NUL cannot be in a file name (os calls raise ValueError, which pyftpdlib answers
        # by dropping the connection): refuse the command with a syntax error instead.
        if "\x00" in line:
            self.respond("501 Syntax error: NUL characters are not allowed.")
            self.log_cmd(cmd, arg.replace("\x00", "\\0"), 501, "NUL in argument")
            return
        verdict = self.bridge.draw_fault()
        if verdict is not None and verdict.delay:
            # Off the IO loop meanwhile (as pyftpdlib does after a failed login): what the client
            # sends next stays in the socket; lines already read wait in _held.
            self._held = []
            self.del_channel()
            self.call_later(verdict.delay, self._after_delay, line, cmd, arg, verdict)
            return
        self._serve(line, cmd, arg, verdict)

    def _after_delay(self, line: str, cmd: str, arg: str, verdict) -> None:
        held, self._held = self._held or [], None
        if self._closed:  # closed meanwhile (the server stopping, a timeout): nothing to answer
            return
        self.add_channel(events=self.ioloop.READ | self.ioloop.WRITE if self.producer_fifo else self.ioloop.READ)
        self._serve(line, cmd, arg, verdict)
        for entry in held:
            if self._closed:
                return
            self.pre_process_command(*entry)

    def _serve(self, line: str, cmd: str, arg: str, verdict) -> None:
        shown = "******" if cmd == "PASS" else arg
        # An injected fault is journalled before the client can see it.
        if verdict is not None and verdict.disconnect:
            self.bridge.journal(self.username, cmd, shown, "(connection closed by an injected fault)", wait=True)
            self.close()
            return
        if verdict is not None and verdict.error:
            reply = "421 Service not available, closing control connection (injected fault)."
            self.bridge.journal(self.username, cmd, shown, reply, wait=True)
            self.respond(reply)
            self.close_when_done()
            return
        self._last_reply = None
        super().pre_process_command(line, cmd, arg)
        self.bridge.journal(self.username, cmd, shown, self._last_reply)

    def _folder_full(self) -> bool:
        if _usage(Path(self.fs.root)) < HOME_QUOTA_BYTES:
            return False
        self.respond(f"552 Your folder holds {HOME_QUOTA_BYTES} bytes or more; wait until it is processed.")
        return True

    def ftp_STOR(self, file: str, mode: str = "w"):
        if self._folder_full():
            return None
        started = super().ftp_STOR(file, mode)
        if started:
            self.bridge.tell("upload_started", self.username, started)
        return started

    def ftp_STOU(self, line: str):
        if self._folder_full():
            return None
        return super().ftp_STOU(line)

    def ftp_RNTO(self, path: str):
        renamed = super().ftp_RNTO(path)
        if renamed:
            self.bridge.tell("renamed", self.username, *renamed)
        return renamed


def _usage(home: Path) -> int:
    total = 0
    for entry in home.rglob("*"):
        try:
            if entry.is_file() and not entry.is_symlink():
                total += entry.stat().st_size
        except OSError:
            continue
    return total


class FtpListener:
    def __init__(self, server: FTPServer) -> None:
        self._server = server
        self._stop = threading.Event()
        self.port: int = server.address[1]
        self._thread = threading.Thread(target=self._serve, name="devino-mock-ftp", daemon=True)
        self._thread.start()
        self.on_close: list = []

    def _serve(self) -> None:
        try:
            while not self._stop.is_set():
                # The IO loop itself, not serve_forever: that logs its ">>> starting FTP server"
                # banner on every call, ten times a second at --log-level DEBUG.
                self._server.ioloop.loop(SERVE_SLICE, blocking=False)
        except Exception:
            log.exception("the FTP server thread failed")
        finally:
            self._server.close_all()

    async def close(self) -> None:
        self._stop.set()
        await asyncio.to_thread(self._thread.join, 5)
        for action in self.on_close:
            action()


def parse_port_range(text: str | None) -> list[int] | None:
    """`60000-60099` or `60000` -> the ports; None or empty -> any free port."""
    if not text:
        return None
    low, _, high = text.partition("-")
    try:
        first, last = int(low), int(high or low)
    except ValueError:
        raise ValueError(f"passive ports must look like 60000-60099, not {text!r}") from None
    if not 1 <= first <= last <= 65535:
        raise ValueError(f"passive ports out of range: {text!r}")
    return list(range(first, last + 1))


def serve(bridge: LoopBridge, host: str, port: int, passive_ports: list[int] | None,
          masquerade_address: str | None, tls_files=None) -> FtpListener:
    """With `tls_files` (tls.TlsFiles, --tls) the port also takes AUTH TLS (ftps.py)."""
    # pyftpdlib configures the root logger itself unless its own logger has a handler.
    pyftpdlib_log = logging.getLogger("pyftpdlib")
    if not pyftpdlib_log.handlers:
        pyftpdlib_log.addHandler(logging.NullHandler())
    base: type[DropFolderHandler] = DropFolderHandler
    extra: dict = {}
    if tls_files is not None:
        try:
            from devino_mock.protocols.ftp import ftps  # pyOpenSSL: loaded only with --tls
        except ImportError as exc:  # a dependency, but an install may lack it
            from devino_mock.server import ListenerError

            raise ListenerError(f"cannot offer FTPS with --tls: {exc} (pip install 'pyOpenSSL>=24.0')") from exc
        base, extra = ftps.TlsDropFolderHandler, {"ssl_context": ftps.server_context(tls_files)}
    handler = type("AccountHandler", (base,), {
        "bridge": bridge,
        "authorizer": PlatformAuthorizer(bridge),
        "passive_ports": passive_ports,
        "masquerade_address": masquerade_address,
        **extra,
    })
    server = FTPServer((host, port), handler, ioloop=IOLoop())
    server.max_cons = 256
    return FtpListener(server)
