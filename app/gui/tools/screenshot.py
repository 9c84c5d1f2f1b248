"""``imitation-studio screenshot``: render the main window offscreen into a PNG.

Used for the README's images and for checks. It runs in a throwaway workspace and settings file,
so the user's own are never touched. The Train, Watch and Coach views first train briefly from
the bundled sample demos, so their plots and frames show a real run.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from app.gui.widgets.dialogs import NoDialogs
from core.errors import StudioError
from core.train.events import Failed


def run_screenshot(args: argparse.Namespace) -> int:
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        raise StudioError(f"--size {args.size!r}: expected WIDTHxHEIGHT, e.g. 1400x860") from None
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import torch
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.gui.main_window import MainWindow
    from app.gui.tools.offscreen_noise import hide_offscreen_noise
    from core.data.workspace import Workspace
    from core.envs.registry import get_spec

    spec = get_spec(args.env)
    torch.set_num_threads(1)
    app = QApplication.instance() or QApplication(["imitation-studio"])
    hide_offscreen_noise()
    with tempfile.TemporaryDirectory() as scratch:
        settings = QSettings(str(Path(scratch) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(Workspace(Path(scratch) / "workspace"), settings, NoDialogs())
        window.show()
        window.resize(width, height)  # after show: the offscreen screen is smaller than the picture
        if args.view == "record":
            _stage_record(window, spec.key)
        else:
            _stage_training(window, spec.key, args.steps, args.view)
        for _ in range(5):
            app.processEvents()
        image = window.grab()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(args.out)):
            raise StudioError(f"{args.out}: could not write the PNG")
        window.record_view.discard_episode()  # a staged episode, not the user's: close without asking
        window.close()
    print(f"wrote {args.out} ({image.width()}x{image.height()})")
    return 0


def _stage_record(window, env_key: str) -> None:
    """The Record view mid-episode: the scripted expert flies for a second, samples listed."""
    from app.gui.record.record_view import Mode
    from core.envs.experts import make_expert

    window.show_view("record")
    view = window.record_view
    view.set_env(env_key)
    view.demo_list.show_samples(True)
    view.demo_list.select_row(0)
    expert = make_expert(env_key)
    expert.bind(view.recorder.env)
    expert.reset(view.recorder.observation)
    view.toggle_pause()
    for _ in range(55):
        view.keyboard.release_all()
        action = expert.act(view.recorder.observation)
        names = [k for k, a in view.spec.key_actions.items() if a == action and len(k) > 1]
        if names:
            view.keyboard.press(names[0])
        view.advance()
        if view.mode != Mode.PLAYING:
            break
    view.frame_view.setFocus()


def _stage_training(window, env_key: str, steps: int, view_name: str) -> None:
    from core.paths import sample_demos_dir

    train = window.train_view
    window.show_view("train")
    train.settings_panel.select_demos(sample_demos_dir(env_key))
    train.settings_panel.set_value("total_steps", steps)
    if not train.start():
        raise StudioError("the short training run did not start")
    # Watch while it trains, so the Watch view's frames and trace come from live snapshots.
    if view_name == "watch":
        window.show_view("watch")
    if not train.wait_until_done(timeout_s=600):
        raise StudioError("the short training run did not finish in 10 minutes")
    event = train.last_event
    if event is None or isinstance(event, Failed):
        raise StudioError(f"the short training run failed: {getattr(event, 'message', 'no result')}")
    if view_name == "watch":
        train.select_run(event.run_dir)
        train.open_selected_run()
        watch = window.watch_view
        watch.show_demo(True)
        for _ in range(150):
            watch.advance()
    if view_name == "coach":
        _stage_coach(window, event.run_dir)


def _stage_coach(window, run_dir: Path) -> None:
    """The Coach view mid-takeover: the policy flies a second, then the person holds Up."""
    window.show_view("coach")
    coach = window.coach_view
    coach.set_run(run_dir)
    for _ in range(50):
        coach.advance()
    coach.session.press("Up")
    for _ in range(10):
        coach.advance()
