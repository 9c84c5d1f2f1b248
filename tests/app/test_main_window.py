"""The main window: workspace, remembered settings, closing safely, the screenshot command."""

import numpy as np
import pytest
import torch
from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

import core
from app.cli.main import main
from app.gui.main_window import MainWindow
from core.data.workspace import Workspace
from core.paths import sample_demos_dir


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
    first.train_view.settings_panel.select_demos(sample_demos_dir("CartPole-v1"))
    first.train_view.settings_panel.select_algorithm("gail", "trpo")
    first.train_view.settings_panel.set_value("total_steps", 150_000)
    first.train_view.settings_panel.set_value("seed", 7)
    first.watch_view._show_demo.setChecked(True)
    first.resize(760, 540)  # within the offscreen screen, so restoring does not clamp it
    assert first.close()
    second = MainWindow(None, settings, dialogs)  # the workspace comes from the settings too
    qtbot.addWidget(second)
    assert second.workspace.root == workspace.root
    assert second.record_view.env_key == "Acrobot-v1" and second.record_view.speed == 0.5
    assert second.tabs.currentWidget() is second.train_view
    assert second.train_view.settings_panel.config_from_form().env == "CartPole-v1"
    assert second.train_view.settings_panel.config_from_form().generator == "trpo"
    assert (
        second.train_view.settings_panel.config_from_form().total_steps,
        second.train_view.settings_panel.config_from_form().seed,
    ) == (
        150_000,
        7,
    )
    assert second.watch_view._show_demo.isChecked()
    assert (second.size().width(), second.size().height()) == (760, 540)
    second.close()


def test_open_workspace_switches_every_view(qtbot, window, dialogs, tmp_path):
    dialogs.folder = tmp_path / "other"
    window.choose_workspace("Open")
    assert window.workspace.root == (tmp_path / "other").resolve()
    assert window.record_view.workspace.root == window.workspace.root
    assert window.record_view.demo_list.current_folder().is_relative_to(window.workspace.root)
    assert "other" in window._workspace_label.text()
    # A folder that is not a workspace (here a demo folder) is opened only if the person agrees.
    demos = tmp_path / "some-demos"
    demos.mkdir()
    (demos / "episode.npz").write_bytes(b"")
    dialogs.answer = False
    window.open_workspace(demos)
    assert window.workspace.root == (tmp_path / "other").resolve() and not (demos / "runs").exists()
    assert "looks like a folder of demos" in dialogs.asked[-1]
    asked = len(dialogs.asked)
    window.open_workspace(tmp_path / "other")  # a workspace already: nothing to ask
    assert len(dialogs.asked) == asked


def test_a_kept_episode_appears_among_the_train_demo_sets(qtbot, window, workspace):
    view = window.record_view
    view.set_env("CartPole-v1")
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Space)
    while view.mode.name == "PLAYING":
        view.advance()
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Return)
    window.train_view.settings_panel.select_demos(workspace.demos_dir("CartPole-v1"))  # raises if not listed


def test_closing_while_training_stops_within_two_seconds_and_keeps_a_checkpoint(qtbot, window):
    train = window.train_view
    train.settings_panel.select_demos(sample_demos_dir("CartPole-v1"))
    train.settings_panel.set_value("total_steps", 5_000_000)
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


def test_screenshot_of_the_record_view(tmp_path, capsys, qtlog):
    out = tmp_path / "record.png"
    assert main(["screenshot", "--view", "record", "--out", str(out)]) == 0
    _non_blank(out)
    # The offscreen plugin's "does not support propagateSizeHints()" read like an error on stderr.
    assert not [record.message for record in qtlog.records if "propagateSizeHints" in record.message]


@pytest.mark.slow  # over 20 s here: `pytest -m "not slow"` leaves it out of a quick loop
def test_screenshot_of_the_watch_view_after_a_short_run(tmp_path):
    out = tmp_path / "watch.png"
    assert main(["screenshot", "--view", "watch", "--env", "CartPole-v1", "--steps", "2048", "--out", str(out)]) == 0
    _non_blank(out)


def test_workspace_refuses_an_unusable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(Exception, match="cannot use this folder"):
        Workspace(blocker / "inside")
    with pytest.raises(Exception, match="is a file, not a folder"):
        Workspace(blocker)


def test_the_game_has_the_keyboard_at_launch_and_after_every_dialog(qtbot, window, dialogs):
    qtbot.waitUntil(lambda: window.record_view.frame_view.hasFocus(), timeout=5000)
    qtbot.keyPress(window.record_view.frame_view, Qt.Key.Key_Up)  # the first key press plays
    assert window.record_view.mode.name == "PLAYING"
    window.record_view._env_combo.setFocus()
    window.dialogs.info(window, "Note", "a dialog closes")
    assert window.record_view.frame_view.hasFocus()
    assert dialogs.infos == ["a dialog closes"]  # the scripted dialogs still answered


def test_no_label_widens_the_window_and_the_readout_clears_when_the_mouse_leaves(qtbot, window):
    long_text = "D on expert 0.5123, " * 60
    window.record_view._status.setText(long_text)
    window.train_view.plots.readout.setText(long_text)
    window._workspace_label.setText("Workspace: " + "/very/deep" * 80)
    window.show_view("train")
    assert window.minimumSizeHint().width() < 1024
    plots = window.train_view.plots
    plot, _ = plots._plots[0]
    centre = plot.vb.sceneBoundingRect().center()
    plots._hover(centre)
    assert plots.readout.text().startswith("D(s,a): expert vs policy samples at step")
    QApplication.sendEvent(plots.layout_widget.viewport(), QEvent(QEvent.Type.Leave))
    assert plots.readout.text() == "Hover over a plot to read its values."


def test_a_remembered_size_larger_than_the_screen_is_fitted_to_it(qtbot, workspace, settings, dialogs):
    first = MainWindow(workspace, settings, dialogs)
    qtbot.addWidget(first)
    first.setGeometry(300, 200, 3000, 2000)  # as if saved on a much larger screen
    first.save_settings()
    first.close()
    second = MainWindow(workspace, settings, dialogs)
    qtbot.addWidget(second)
    second.show()
    screen = second.screen().availableGeometry()
    assert second.frameGeometry().width() <= screen.width()
    assert second.frameGeometry().height() <= screen.height()
    assert screen.contains(second.frameGeometry().topLeft())
    second.close()


def test_a_kept_episode_becomes_the_train_demo_set_with_a_warning_when_most_crashed(qtbot, window, workspace):
    view = window.record_view
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Space)  # no engine at all: the lander crashes
    while view.mode.name == "PLAYING":
        view.advance()
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Return)
    train = window.train_view
    assert train.settings_panel.config_from_form().env == "LunarLander-v3"
    assert train.settings_panel._demo_combo.currentData().folder == workspace.demos_dir("LunarLander-v3")
    assert "(1 episode)" in train.settings_panel._demo_combo.currentText()
    assert (
        train.settings_panel._demo_warning.isVisibleTo(train)
        and "1 of 1 demo ended badly" in train.settings_panel._demo_warning.text()
        and "their endings" not in train.settings_panel._demo_warning.text()  # the Endings line says it
    )
    # With no good ending to prefer, the endings are imitated too, and the Train view says why.
    assert "Endings: the one demo did not end well" in train.settings_panel.ending_choice_text()
    train.settings_panel.select_demos(sample_demos_dir("LunarLander-v3"))  # the scripted expert lands
    assert not train.settings_panel._demo_warning.isVisibleTo(train)


def test_the_help_menu_shows_keys_imitation_and_about(qtbot, window, dialogs, workspace):
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    for action in help_menu.actions():
        action.trigger()
    titles = [title for title, _ in dialogs.documents]
    assert titles == ["Keys", "How imitation works here", "About Imitation Studio"]
    keys, imitation, about = (html for _, html in dialogs.documents)
    assert "Enter / Backspace" in keys and "Lunar Lander" in keys and "Watch" in keys
    assert "discriminator" in imitation and "Behaviour cloning" in imitation
    assert core.__version__ in about and torch.__version__ in about and str(workspace.root) in about
    assert "Training device" in about


@pytest.mark.filterwarnings("ignore::UserWarning:minari")
def test_the_file_menu_exports_my_demos_to_minari_and_imports_a_dataset(
    window, workspace, dialogs, tmp_path, monkeypatch
):
    minari = pytest.importorskip("minari")
    from core.data.demo_set import load_demo_set
    from core.paths import sample_demos_dir
    from core.share.minari_io import export_minari

    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "minari"))
    workspace.copy_samples("LunarLander-v3")
    window.record_view.set_env("LunarLander-v3")
    dialogs.text_answer = "lunarlander/from-the-window-v0"
    window.export_demos_to_minari()
    assert minari.load_dataset("lunarlander/from-the-window-v0").total_episodes == 10
    export_minari(sample_demos_dir("CartPole-v1"), "cartpole/elsewhere-v0")
    dialogs.text_answer = "cartpole/elsewhere-v0"
    window.import_minari_dataset()
    imported = load_demo_set(workspace.demos_dir("CartPole-v1"))
    assert len(imported.episodes) == 10 and {e.meta.source for e in imported.episodes} == {"imported"}
    window.import_minari_dataset()  # again: the episodes are there already, none is doubled
    assert len(load_demo_set(workspace.demos_dir("CartPole-v1")).episodes) == 10
    dialogs.text_answer = "bad id"
    window.export_demos_to_minari()
    assert dialogs.errors and "not a Minari id" in dialogs.errors[-1][1]
    assert not (tmp_path / "minari" / "bad id").exists()  # refused before Minari made a folder


def test_opening_another_workspace_stops_what_played_in_the_last(qtbot, window, workspace, tmp_path):
    from core.data.demo_set import load_demo_set
    from core.paths import sample_demos_dir
    from core.train.settings.config import default_config
    from core.train.trainer import Trainer

    config = default_config("CartPole-v1", total_steps=256, num_envs=2, num_steps=64, eval_every_iters=0)
    trainer = Trainer(config, load_demo_set(sample_demos_dir("CartPole-v1")), run_dir=workspace.new_run_dir("x"))
    list(trainer.run())
    window.watch_view.set_run(trainer.run_dir)
    window.coach_view.set_run(trainer.run_dir)
    window.train_view.refresh_runs()
    window.train_view.select_run(trainer.run_dir)
    window.train_view.open_selected_run()
    assert window.train_view.plots.point_count("disc_loss") > 0
    window.open_workspace(tmp_path / "other")
    assert window.watch_view.player is None and window.watch_view.run_dir is None
    assert "No policy yet" in window.watch_view._info.text()  # not "Watching the run ..." of the last
    train = window.train_view  # the last workspace's run is no longer drawn nor summed up
    assert train.plots.point_count("disc_loss") == 0 and not train.summary.text() and train.progress.format() == "idle"
    assert window.coach_view.session is None and window.coach_view.run_dir is None
