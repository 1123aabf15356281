"""The FTP drop folder (ftp.md): pyftpdlib in its own thread, archives processed on the
event loop at the virtual clock's polls, results under /_mock/ftp/; with --tls also explicit
FTPS on the same port (ftps.py)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from devino_mock.protocols.ftp.control import FtpControl
from devino_mock.protocols.ftp.folder import DropFolder
from devino_mock.protocols.ftp.listener import FtpListener, LoopBridge, parse_port_range, serve

DATA_DIR_FOLDER = "ftp"  # the homes' parent inside --data-dir when no --ftp-root is given


def control(table, emulator) -> FtpControl:
    """Adds the `/_mock/ftp` calls; `start` hands them the folder."""
    ftp_control = FtpControl()
    ftp_control.register(table)
    return ftp_control


async def start(emulator, host: str, port: int) -> FtpListener:
    settings = emulator.settings
    temporary = not settings.ftp_root and not settings.data_dir
    if settings.ftp_root:
        root = Path(settings.ftp_root)
    elif settings.data_dir:  # kept with the state: an archive not yet processed survives a restart
        root = Path(settings.data_dir) / DATA_DIR_FOLDER
    else:
        root = Path(tempfile.mkdtemp(prefix="devino-mock-ftp-"))
    root.mkdir(parents=True, exist_ok=True)
    folder = DropFolder(emulator.platform, root, settings.ftp_poll_interval)
    folder.resume()
    bridge = LoopBridge(asyncio.get_running_loop(), emulator.platform, folder)
    bridge.watch = emulator.watch
    try:
        # With --tls the same port also takes AUTH TLS (explicit FTPS, RFC 4217) with the
        # emulator's certificate; plain FTP stays allowed, as on the other listeners.
        listener = serve(bridge, host, port, parse_port_range(settings.ftp_passive_ports),
                         settings.ftp_masquerade_address, getattr(emulator, "tls_files", None))
    except BaseException:
        if temporary:
            shutil.rmtree(root, ignore_errors=True)
        raise
    listener.folder = folder  # type: ignore[attr-defined]
    emulator.reset_hooks.append(folder.reset)
    emulator.login_reset_hooks.append(folder.forget_login)
    emulator.controls["ftp"].folder = folder
    listener.on_close.append(lambda: emulator.reset_hooks.remove(folder.reset))
    listener.on_close.append(lambda: emulator.login_reset_hooks.remove(folder.forget_login))
    if temporary:
        listener.on_close.append(lambda: shutil.rmtree(root, ignore_errors=True))
    return listener
