"""The application on a real X server (Xvfb, openbox), driven by real X key events.

Skipped where Xvfb, xdotool or openbox are missing, except in CI, which installs them and sets
IMITATION_STUDIO_REQUIRE_X=1. Each test starts ``imitation-studio`` as a user would, in a
throwaway workspace, on the xcb platform.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.gui.widgets.frame_view import FOCUS_COLOUR
from tests.app.xserver import REQUIRE_VARIABLE, missing_tools, screenshot, wait_for, window_geometry, x_display, xdotool
from tests.tiny import TINY_SETTINGS

TITLE = "Imitation Studio"


@pytest.fixture(scope="module")
def display():
    missing = missing_tools()
    if missing:
        message = f"a real X server needs {', '.join(missing)} (Debian: apt-get install xvfb xdotool openbox)"
        if os.environ.get(REQUIRE_VARIABLE) == "1":
            pytest.fail(message)
        pytest.skip(message)
    with x_display("1280x800") as env:
        yield env


def start_app(display_env: dict[str, str], tmp_path: Path, *args: str) -> tuple[subprocess.Popen, Path]:
    home = tmp_path / "home"
    env = {
        **display_env,
        "QT_QPA_PLATFORM": "xcb",
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
    }
    log = tmp_path / "app.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli.main", *args],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    return process, log


def wait_for_window(display: dict[str, str], process: subprocess.Popen, log: Path) -> str:
    """The app's window id once it shows, activated."""
    window = wait_for(
        lambda: (
            process.poll() is None
            and subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", TITLE], env=display, capture_output=True, text=True
            ).stdout.split()
        ),
        90,
        f"the window to open (log: {log.read_text() if log.exists() else ''})",
        interval_s=0.3,
    )[-1]
    xdotool(display, "windowactivate", "--sync", window)
    return window


@contextlib.contextmanager
def app_window(display: dict[str, str], tmp_path: Path, *args: str) -> Iterator[str]:
    """The app started with ``args``, its window shown and active; on leaving, Ctrl+Q must quit it
    with status 0, and its log must hold no traceback."""
    process, log = start_app(display, tmp_path, *args)
    try:
        yield wait_for_window(display, process, log)
        xdotool(display, "key", "ctrl+q")
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log.read_text()
    assert "Traceback" not in output, output


def count_colour(image: np.ndarray, colour: tuple[int, int, int]) -> int:
    return int(np.all(image == np.array(colour, dtype=np.uint8), axis=-1).sum())


def test_the_display_check_connects_to_a_running_x_server(display):
    from app.gui.platform_check import display_reachable

    assert display_reachable(display["DISPLAY"])


def test_the_window_opens_takes_the_first_key_and_keeps_the_episode(display, tmp_path):
    workspace = tmp_path / "workspace"
    with app_window(display, tmp_path, "--workspace", str(workspace)) as window:
        width, height = window_geometry(display, window)[2:]
        assert width <= 1280 and height <= 800  # the whole window fits the screen
        geometry = (0, 0, 1280, 800)

        # The frame has the keyboard at launch: its blue focus ring is on screen before any click.
        def focus_ring_shown() -> tuple[np.ndarray] | None:
            image = screenshot(display, tmp_path / "ready.png", geometry)
            return (image,) if count_colour(image, FOCUS_COLOUR.getRgb()[:3]) > 400 else None

        (ready,) = wait_for(focus_ring_shown, 30, "the game frame's focus ring")
        assert len(np.unique(ready.reshape(-1, 3), axis=0)) > 50  # the window drew: text, game, widgets

        # One real key press starts the episode; the lander then falls until it crashes or lands.
        xdotool(display, "key", "Up")
        demos = workspace / "demos" / "LunarLander-v3"

        def kept() -> list[Path]:
            xdotool(display, "key", "Return")  # keeps the episode once it has ended, else does nothing
            return sorted(demos.glob("*.npz"))

        files = wait_for(kept, 60, "the episode to end and be kept", interval_s=0.5)
        assert len(files) == 1
        screenshot(display, tmp_path / "after.png", geometry)
    assert (workspace / ".imitation-studio.ini").is_file()  # the settings stay in the workspace
    assert not (tmp_path / "home" / "config").exists()  # nothing written into the home folder


def test_a_real_key_takes_over_in_the_coach_view_and_the_correction_is_kept(display, tmp_path):
    from core.data.demo_set import load_demo_set
    from core.data.workspace import Workspace
    from core.train.settings.config import default_config
    from core.train.trainer import Trainer

    workspace = Workspace(tmp_path / "workspace")
    workspace.copy_samples("LunarLander-v3")
    settings = TINY_SETTINGS
    config = default_config("LunarLander-v3", total_steps=128, bc_warmstart_epochs=5, rollout_process=False, **settings)
    demos = load_demo_set(workspace.demos_dir("LunarLander-v3"))
    list(Trainer(config, demos, run_dir=workspace.new_run_dir("coach")).run())
    with app_window(display, tmp_path, "--workspace", str(workspace.root)):
        xdotool(display, "key", "ctrl+4")  # the Coach view: the newest run's policy plays at once
        geometry = (0, 0, 1280, 800)
        xdotool(display, "keydown", "Up")  # a real held key: the person takes over

        def banner_says_you() -> tuple[np.ndarray] | None:
            image = screenshot(display, tmp_path / "takeover.png", geometry)
            return (image,) if count_colour(image, (0xC2, 0x54, 0x00)) > 2000 else None

        wait_for(banner_says_you, 30, "the orange 'YOU are in control' banner")
        xdotool(display, "keyup", "Up")
        folder = workspace.demos_dir("LunarLander-v3")

        def corrections() -> list:
            xdotool(display, "key", "Return")  # keeps the episode once it has ended
            return list(load_demo_set(folder).corrections)

        kept = wait_for(corrections, 90, "the coached episode to end and be kept", interval_s=0.5)
        assert kept[0].person_acted.any() and not kept[0].person_acted.all()
