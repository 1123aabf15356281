"""`python -m devino_mock` under cProfile: the same arguments; on SIGTERM the emulator stops
as usual and the profile is written to the file named by PROFILE_OUT (pstats format)."""

import cProfile
import os
import sys

from devino_mock.cli import main

profiler = cProfile.Profile()
profiler.enable()
try:
    code = main(sys.argv[1:])
finally:
    profiler.disable()
    profiler.dump_stats(os.environ["PROFILE_OUT"])
raise SystemExit(code)
