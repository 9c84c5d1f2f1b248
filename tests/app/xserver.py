"""A real X server for tests: Xvfb on a free display with the openbox window manager.

Every other GUI test runs on Qt's offscreen platform, which needs none of the system libraries
that Qt's xcb plugin loads; a window that never opened on a fresh machine went unnoticed that
way. These helpers start the real thing, send real X key events (xdotool) and take screenshots
through the X server, as a user's desktop would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

TOOLS = ("Xvfb", "xdotool", "openbox")
# CI installs the tools and sets this, so that a missing one fails there instead of skipping.
REQUIRE_VARIABLE = "IMITATION_STUDIO_REQUIRE_X"

# Run with the xcb platform in a child process: the test process itself is offscreen.
_GRAB_SCRIPT = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
x, y, w, h = (int(v) for v in sys.argv[2:6])
if not app.primaryScreen().grabWindow(0, x, y, w, h).save(sys.argv[1]):
    sys.exit("could not save " + sys.argv[1])
"""


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def wait_for(condition, timeout_s: float, what: str, interval_s: float = 0.1):
    """Poll ``condition`` until it returns something true; AssertionError naming ``what`` on timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(interval_s)


@contextmanager
def x_display(size: str = "1280x800") -> Iterator[dict[str, str]]:
    """Start Xvfb on a free display and openbox on it; yields the environment to run clients in."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    wm = None
    try:
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()  # Xvfb writes the display number once it accepts clients
        if not number:
            raise AssertionError("Xvfb did not start")
        env = {**os.environ, "DISPLAY": f":{number}"}
        started = Path(os.environ.get("TMPDIR", "/tmp")) / f"openbox-started-{number}-{os.getpid()}"
        started.unlink(missing_ok=True)
        wm = subprocess.Popen(
            ["openbox", "--startup", f"touch {started}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(started.exists, 20, "openbox to start")
        started.unlink(missing_ok=True)
        yield env
    finally:
        for process in (wm, xvfb):
            if process is not None:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()


def xdotool(env: dict[str, str], *args: str, timeout_s: float = 30) -> str:
    result = subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True, timeout=timeout_s, check=False)
    if result.returncode != 0:
        raise AssertionError(f"xdotool {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def window_geometry(env: dict[str, str], window: str) -> tuple[int, int, int, int]:
    """x, y, width, height of an X window (its client area, on the root window)."""
    values = {}
    for line in xdotool(env, "getwindowgeometry", "--shell", window).splitlines():
        key, _, value = line.partition("=")
        values[key] = int(value)
    return values["X"], values["Y"], values["WIDTH"], values["HEIGHT"]


def screenshot(env: dict[str, str], path: Path, rect: tuple[int, int, int, int]) -> np.ndarray:
    """Grab ``rect`` of the screen through the X server into ``path`` (PNG); returns (H, W, 3) uint8."""
    from PySide6.QtGui import QImage

    grab_env = {**env, "QT_QPA_PLATFORM": "xcb"}
    subprocess.run(
        [sys.executable, "-c", _GRAB_SCRIPT, str(path), *map(str, rect)],
        env=grab_env,
        check=True,
        timeout=60,
        capture_output=True,
    )
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.bytesPerLine() * height)
    return data.reshape(height, image.bytesPerLine())[:, : 3 * width].reshape(height, width, 3).copy()
