"""core is the model: importing all of it must not pull in Qt (checked in a clean interpreter)."""

import pkgutil
import subprocess
import sys

import core


def test_core_imports_no_qt():
    modules = [f"core.{info.name}" for info in pkgutil.walk_packages(core.__path__) if info.name != "resources"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    assert len(modules) >= 5
