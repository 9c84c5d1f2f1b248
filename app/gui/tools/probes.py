"""``imitation-studio probe``: measure the GUI's timing, offscreen, with the real widgets.

- ``pacing``: the Record view playing LunarLander at 50 fps with keys pressed now and then;
  reports the interval between env steps (target 20 ms).
- ``responsiveness``: GAIL training on LunarLander's sample demos in the window while the Watch
  view plays the snapshots; reports a 16 ms GUI timer's intervals, the Watch view's frame rate,
  and training steps/s against the same training run headless.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from app.gui.widgets.dialogs import NoDialogs
from core.errors import StudioError


def _percentiles(values: list[float]) -> dict[str, float]:
    array = np.asarray(values)
    return {
        "count": len(array),
        "median_ms": float(np.median(array)),
        "p99_ms": float(np.percentile(array, 99)),
        "max_ms": float(array.max()),
    }


def run_probe(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import torch
    from PySide6.QtWidgets import QApplication

    from app.gui.tools.offscreen_noise import hide_offscreen_noise

    torch.set_num_threads(1)
    app = QApplication.instance() or QApplication(["imitation-studio"])
    hide_offscreen_noise()
    with tempfile.TemporaryDirectory() as scratch:
        result = (
            _pacing(app, Path(scratch), args.seconds)
            if args.what == "pacing"
            else _responsiveness(app, Path(scratch), args.steps, args.view)
        )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>28}: {value}")
    return 0


def _window(scratch: Path):
    from PySide6.QtCore import QSettings

    from app.gui.main_window import MainWindow
    from core.data.workspace import Workspace

    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Workspace(scratch / "workspace"), settings, NoDialogs())
    window.show()
    window.resize(1400, 860)  # after show: the offscreen screen is smaller than the picture
    return window


def _run_for(app, seconds: float, every_ms: int, tick) -> None:
    """Run the real event loop for ``seconds`` with ``tick`` called every ``every_ms``."""
    from PySide6.QtCore import QEventLoop, QTimer

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(every_ms)
    # A local loop: QApplication.quit() would also try to close the window.
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    timer.stop()


def _pacing(app, scratch: Path, seconds: float) -> dict:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.gui.record.record_view import Mode

    window = _window(scratch)
    view = window.record_view
    view.set_env("LunarLander-v3")
    view.frame_view.setFocus()
    rng = np.random.default_rng(0)
    keys = (Qt.Key.Key_Up, Qt.Key.Key_Left, Qt.Key.Key_Right)
    held: list = []

    def player() -> None:
        # A rough player: holds a random key for a while, lets go, and restarts finished episodes.
        if view.mode in (Mode.WAITING, Mode.FINISHED):
            if view.mode == Mode.FINISHED:
                view.discard_episode()
            QTest.keyPress(view.frame_view, Qt.Key.Key_Space)
            return
        if held and rng.random() < 0.3:
            QTest.keyRelease(view.frame_view, held.pop())
        elif not held and rng.random() < 0.5:
            held.append(keys[rng.integers(len(keys))])
            QTest.keyPress(view.frame_view, held[-1])

    QTest.keyPress(view.frame_view, Qt.Key.Key_Space)
    _run_for(app, seconds, every_ms=97, tick=player)
    pacing = view.pacing()
    view.discard_episode()
    window.close()
    if not pacing.get("steps"):
        raise StudioError("the Record view took no steps during the probe")
    return {
        "env": "LunarLander-v3",
        "target_ms": round(pacing["target_ms"], 2),
        "steps": pacing["steps"],
        "median_ms": round(pacing["median_ms"], 2),
        "p99_ms": round(pacing["p99_ms"], 2),
        "max_ms": round(pacing["max_ms"], 2),
        "p99_within_25_percent": pacing["p99_ms"] <= 1.25 * pacing["target_ms"],
    }


def _responsiveness(app, scratch: Path, steps: int, view: str) -> dict:
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    from core.data.demo_set import load_demo_set
    from core.paths import sample_demos_dir
    from core.train.events import Failed, Finished
    from core.train.settings.config import default_config
    from core.train.trainer import Trainer

    env = "LunarLander-v3"
    demos = load_demo_set(sample_demos_dir(env), env_key=env)
    config = default_config(env, total_steps=steps)

    # Headless first: the same run with nothing else in the process.
    started = time.perf_counter()
    headless_steps = 0
    for event in Trainer(config, demos).run():
        if isinstance(event, Finished):
            headless_steps = event.env_steps
        elif isinstance(event, Failed):
            raise StudioError(f"the headless run failed: {event.message}")
    headless_s = time.perf_counter() - started

    window = _window(scratch)
    train = window.train_view
    train.settings_panel.select_demos(sample_demos_dir(env))
    train.settings_panel.set_value("total_steps", steps)
    window.show_view(view)
    intervals: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        intervals.append((now - last[0]) * 1000)
        last[0] = now

    probe_timer = QTimer()
    probe_timer.setTimerType(Qt.TimerType.PreciseTimer)
    probe_timer.timeout.connect(tick)
    started = time.perf_counter()
    if not train.start():
        raise StudioError("training did not start")
    probe_timer.start(16)
    window.watch_view.tick_times.clear()
    loop = QEventLoop()
    train.training_finished.connect(lambda _: loop.quit())
    loop.exec()  # the real event loop, until training ends
    gui_s = time.perf_counter() - started
    train.wait_until_done(timeout_s=30)
    probe_timer.stop()
    ticks = np.array(window.watch_view.tick_times)
    event = train.last_event
    window.close()
    if not isinstance(event, Finished):
        raise StudioError(f"training in the window did not finish: {event}")
    headless_rate = headless_steps / headless_s
    gui_rate = event.env_steps / gui_s
    timer = _percentiles(intervals[1:])
    return {
        "env": env,
        "env_steps": event.env_steps,
        "headless_steps_per_s": round(headless_rate),
        "gui_steps_per_s": round(gui_rate),
        "gui_over_headless": round(gui_rate / headless_rate, 3),
        "timer_16ms_median_ms": round(timer["median_ms"], 2),
        "timer_16ms_p99_ms": round(timer["p99_ms"], 2),
        "timer_16ms_max_ms": round(timer["max_ms"], 2),
        # From the first frame (the first snapshot) to the last, during training.
        "watch_fps": round((len(ticks) - 1) / (ticks[-1] - ticks[0]), 1) if len(ticks) > 1 else None,
        "watch_frame_interval_p99_ms": round(float(np.percentile(np.diff(ticks), 99)) * 1000, 1)
        if len(ticks) > 1
        else None,
        "watch_target_fps": 50,
        "plot_redraws_per_s": round(train.plots.redraws / gui_s, 1),
    }
