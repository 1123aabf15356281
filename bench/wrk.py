"""Drive an HTTP endpoint with wrk (a C load generator: Debian package `wrk`), so the client is
never what saturates first."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlencode

INSTALL_HINT = "wrk not found: install it (Debian/Ubuntu: apt-get install wrk); the wrk part is skipped"


def available() -> bool:
    return shutil.which("wrk") is not None


def post_form(url: str, form: dict[str, str], connections: int = 32, seconds: float = 5.0,
              threads: int = 1) -> float:
    """Requests per second of `wrk` POSTing `form` to `url`; any non-2xx answer or socket
    error fails the run (a fast error page would otherwise look like speed)."""
    script = ('wrk.method = "POST"\n'
              f'wrk.body = "{urlencode(form)}"\n'
              'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
    with tempfile.TemporaryDirectory() as folder:
        lua = Path(folder) / "post.lua"
        lua.write_text(script)
        out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "-s", str(lua), url],
                             capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw failures against {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
