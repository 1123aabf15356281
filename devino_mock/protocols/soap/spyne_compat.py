"""Import spyne 2.14 on every supported Python.

spyne 2.14 (the last release) vendors an old `six` whose meta-path importer only has the
PEP 302 `find_module`/`load_module` pair. Python 3.12 dropped that fallback, so
`import spyne` fails with `No module named 'spyne.util.six.moves'`. The fix: load that one
module by file location before spyne itself, and give its importer class the PEP 451 methods
(`find_spec`/`create_module`/`exec_module`), as six 1.16 did upstream. Python 3.13 also lost
`cgi`, which spyne imports; the `legacy-cgi` package (a dependency on 3.13) brings it back.
On 3.11 the shim is harmless and silences spyne's ImportWarnings."""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings

SIX_MODULE = "spyne.util.six"


def _add_pep451_methods(importer_class: type) -> None:
    if "find_spec" in importer_class.__dict__:
        return

    def find_spec(self, fullname, path=None, target=None):
        if fullname in self.known_modules:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return self.load_module(spec.name)

    def exec_module(self, module):
        return None  # load_module already produced a complete module

    importer_class.find_spec = find_spec
    importer_class.create_module = create_module
    importer_class.exec_module = exec_module


def _import_cgi() -> None:
    # spyne imports `cgi` (deprecated since 3.11) only for `parse_header`; importing it here
    # once keeps the DeprecationWarning out of every program that uses the emulator.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import cgi  # noqa: F401


def prepare_spyne() -> None:
    """Make `import spyne` work. Call before the first import of spyne."""
    _import_cgi()
    if SIX_MODULE in sys.modules:
        _add_pep451_methods(sys.modules[SIX_MODULE]._SixMetaPathImporter)
        return
    spyne_spec = importlib.util.find_spec("spyne")
    if spyne_spec is None or not spyne_spec.submodule_search_locations:
        raise ImportError("spyne is not installed")
    path = os.path.join(list(spyne_spec.submodule_search_locations)[0], "util", "six.py")
    six_spec = importlib.util.spec_from_file_location(SIX_MODULE, path)
    if six_spec is None or six_spec.loader is None:
        raise ImportError(f"cannot load {path}")
    six = importlib.util.module_from_spec(six_spec)
    sys.modules[SIX_MODULE] = six
    try:
        six_spec.loader.exec_module(six)
    except BaseException:
        del sys.modules[SIX_MODULE]
        raise
    _add_pep451_methods(six._SixMetaPathImporter)


prepare_spyne()
