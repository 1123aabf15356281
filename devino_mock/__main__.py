"""`python -m devino_mock`. A SIGTERM that arrives while the interpreter is still importing
the emulator ends the start-up like Ctrl-C does: exit 0, not "killed by signal 15" (a
supervisor may stop a container the moment it starts)."""

import signal


def _stop_starting(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


signal.signal(signal.SIGTERM, _stop_starting)
try:
    from devino_mock.cli import main
except KeyboardInterrupt:
    raise SystemExit(0) from None

raise SystemExit(main())
