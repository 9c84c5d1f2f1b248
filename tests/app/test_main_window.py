"""The main window: workspace, remembered settings, closing safely, the screenshot command."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage

from app.cli import main
from app.main_window import MainWindow
from core.paths import sample_demos_dir
from core.workspace import Workspace


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, workspace, settings, dialogs):
    win = MainWindow(workspace, settings, dialogs)
    qtbot.addWidget(win)
    win.show()
    return win


def test_closing_mid_episode_asks_and_can_be_refused(qtbot, window, dialogs):
    view = window.record_view
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Up)
    view.advance()
    dialogs.answer = False
    assert not window.close()
    assert window.isVisible() and view.recorder.length == 1
    dialogs.answer = True
    assert window.close()
    assert len(dialogs.asked) == 2


def test_settings_are_remembered(qtbot, workspace, settings, dialogs):
    first = MainWindow(workspace, settings, dialogs)
    qtbot.addWidget(first)
    first.record_view.set_env("Acrobot-v1")
    first.record_view.set_speed(0.5)
    first.show_view("train")
    first.train_view.select_demos(sample_demos_dir("CartPole-v1"))
    first.train_view.select_algorithm("gail", "trpo")
    first.resize(760, 540)  # within the offscreen screen, so restoring does not clamp it
    assert first.close()
    second = MainWindow(None, settings, dialogs)  # the workspace comes from the settings too
    qtbot.addWidget(second)
    assert second.workspace.root == workspace.root
    assert second.record_view.env_key == "Acrobot-v1" and second.record_view.speed == 0.5
    assert second.tabs.currentWidget() is second.train_view
    assert second.train_view.config_from_form().env == "CartPole-v1"
    assert second.train_view.config_from_form().generator == "trpo"
    assert (second.size().width(), second.size().height()) == (760, 540)
    second.close()


def test_open_workspace_switches_every_view(qtbot, window, dialogs, tmp_path):
    dialogs.folder = tmp_path / "other"
    window.choose_workspace("Open")
    assert window.workspace.root == (tmp_path / "other").resolve()
    assert window.record_view.workspace.root == window.workspace.root
    assert window.record_view.current_folder().is_relative_to(window.workspace.root)
    assert "other" in window._workspace_label.text()


def test_a_kept_episode_appears_among_the_train_demo_sets(qtbot, window, workspace):
    view = window.record_view
    view.set_env("CartPole-v1")
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Space)
    while view.mode.name == "PLAYING":
        view.advance()
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Return)
    window.train_view.select_demos(workspace.demos_dir("CartPole-v1"))  # raises if not listed


def test_closing_while_training_stops_within_two_seconds_and_keeps_a_checkpoint(qtbot, window):
    train = window.train_view
    train.select_demos(sample_demos_dir("CartPole-v1"))
    train.set_value("total_steps", 5_000_000)
    assert train.start()
    qtbot.waitUntil(lambda: train.plots.point_count("disc_loss") >= 1, timeout=30_000)
    run_dir = train.run_dir
    assert window.close()
    assert not train.training.running
    assert (run_dir / "checkpoints" / "latest.safetensors").is_file()


def _non_blank(path):
    image = QImage(str(path))
    assert not image.isNull() and image.width() > 800
    pixels = np.array(
        [image.pixelColor(x, y).lightness() for x in range(0, image.width(), 37) for y in range(0, image.height(), 29)]
    )
    assert pixels.std() > 20  # not a flat colour


def test_screenshot_of_the_record_view(tmp_path, capsys):
    out = tmp_path / "record.png"
    assert main(["screenshot", "--view", "record", "--out", str(out)]) == 0
    _non_blank(out)


def test_screenshot_of_the_watch_view_after_a_short_run(tmp_path):
    out = tmp_path / "watch.png"
    assert main(["screenshot", "--view", "watch", "--env", "CartPole-v1", "--steps", "2048", "--out", str(out)]) == 0
    _non_blank(out)


def test_workspace_refuses_an_unusable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(Exception, match="cannot use this folder"):
        Workspace(blocker / "inside")
