"""Curating demos in the Record list: endings, D scores with flags, ticks and filters that decide
what trains, and replay with D along the episode (offscreen, pytest-qt)."""

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.gui.record.demo_rows import column
from app.gui.record.record_view import Mode, RecordView
from core.data.demo_selection import SELECTION_FILE, DemoSelection, load_selection, save_selection, training_demos
from core.data.demo_set import load_demo_set
from core.data.recorder import Recorder
from core.envs.human_player import make_human_player
from core.envs.registry import get_spec
from core.train.demo_scores import DemoScore
from core.train.runs.layout import run_folders
from core.train.settings.config import default_config
from core.train.trainer import Trainer
from tests.recordings import record_expert_episodes

LANDER = "LunarLander-v3"


@pytest.fixture
def curated(workspace):
    """Three scripted landings and one crash of the weak keyboard player, and a tiny GAIL run on them."""
    folder = workspace.demos_dir(LANDER)
    record_expert_episodes(folder, LANDER, count=3)
    player = make_human_player(LANDER, 0.0, seed=0)
    recorder = Recorder(get_spec(LANDER), folder, source="human")
    obs = recorder.reset(seed=1000)
    player.reset(obs)
    while not recorder.done:
        obs = recorder.step(player.act(obs)).observation
    recorder.keep()
    recorder.close()
    config = default_config(LANDER, total_steps=128, num_envs=2, num_steps=64, rollout_process=False)
    for _ in Trainer(config, load_demo_set(folder), run_dir=workspace.new_run_dir("gail")).run():
        pass
    return folder


@pytest.fixture
def view(qtbot, workspace, dialogs, curated):
    widget = RecordView(workspace, dialogs)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.set_env(LANDER)
    widget.show()
    yield widget
    widget.shutdown()


def cell(view, row, name):
    return view.demo_list.table.item(row, column(name))


def row_of(view, predicate):
    return next(i for i, e in enumerate(view.demo_list._shown_episodes) if predicate(e))


def test_each_demo_shows_its_ending_and_the_runs_d_score(view):
    table = view.demo_list.table
    assert table.rowCount() == 4
    endings = sorted(cell(view, row, "Ending").text() for row in range(4))
    assert endings.count("crashed") == 1 and endings.count("landed on the pad") >= 2
    for row in range(4):
        assert 0.0 < float(cell(view, row, "D").text().lstrip("⚑ ")) < 1.0
        assert cell(view, row, "Train").checkState() == Qt.CheckState.Checked
    assert "D: how expert-like the newest run" in view.demo_list.summary.text()
    assert any("mean D over the episode, from run " in cell(view, row, "D").toolTip() for row in range(4))


def test_a_flagged_demo_is_marked_and_double_click_replays_it_with_d(qtbot, view):
    crash_row = row_of(view, lambda e: e.ending.failed)
    crash = view.demo_list._shown_episodes[crash_row]
    # The tiny run's D has learned little; give the list the verdict of a trained one.
    trace = np.linspace(0.6, 0.1, crash.length)
    source = view.demo_list.scores
    source._scores = {name: DemoScore(name, 0.6, np.full(3, 0.6)) for name in source._scores}
    source._scores[crash.path.name] = DemoScore(crash.path.name, float(trace.mean()), trace, flagged=True)
    view.demo_list.reload_episodes()
    assert cell(view, crash_row, "D").text().startswith("⚑")
    assert "⚑ 1</b> unlike the rest" in view.demo_list.summary.text()
    rect = view.demo_list.table.visualItemRect(cell(view, crash_row, "D"))
    # A press first, as a real double-click has: Qt's item views act on the pressed item.
    qtbot.mouseClick(view.demo_list.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.demo_list.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.mode == Mode.REPLAY and view.disc_trace.isVisible()
    for _ in range(10):
        view.advance()
    assert view.disc_trace.cursor_step == view.session.replay_step
    assert f"D {trace[view.session.replay_step]:.2f}" in view.frame_view.caption_text()
    view.discard_episode()
    assert not view.disc_trace.isVisible()


def test_ticks_and_filters_choose_what_trains(view, curated):
    crash = next(e for e in view.demo_list._shown_episodes if e.ending.failed)
    landing = next(e for e in view.demo_list._shown_episodes if not e.ending.failed)
    view.demo_list.set_ticked(landing.path.name, False)
    assert load_selection(curated).excluded == {landing.path.name}
    assert "3 of 4 train (1 left out)" in view.demo_list.summary.text()
    view.demo_list.filters.successful_only.setChecked(True)
    chosen = training_demos(load_demo_set(curated))
    assert {item.path.name: item.reason for item in chosen.left_out} == {
        landing.path.name: "unticked",
        crash.path.name: "ending: crashed",
    }
    crash_row = row_of(view, lambda e: e is crash or e.path == crash.path)
    assert "left out of training: ending: crashed" in cell(view, crash_row, "Train").toolTip()
    # Ticked, but a filter leaves it out: its box is greyed with the row (it looked in play).
    assert not cell(view, crash_row, "Train").flags() & Qt.ItemFlag.ItemIsEnabled
    landing_row = row_of(view, lambda e: e.path == landing.path)
    assert cell(view, landing_row, "Train").flags() & Qt.ItemFlag.ItemIsEnabled  # unticked: tick it back
    view.demo_list.filters.min_return.setValue(10_000)
    view.demo_list.filters.min_return.editingFinished.emit()
    assert json.loads((curated / SELECTION_FILE).read_text())["min_return"] == 10_000
    # Ticking back in and clearing the filters brings back the default: no file is left behind.
    view.demo_list.set_ticked(landing.path.name, True)
    view.demo_list.filters.successful_only.setChecked(False)
    view.demo_list.filters.min_return.setValue(view.demo_list.filters.min_return.minimum())
    view.demo_list.filters.min_return.editingFinished.emit()
    assert not (curated / SELECTION_FILE).exists()


def test_the_samples_cannot_be_ticked(view):
    view.demo_list.show_samples(True)
    assert not view.demo_list.filters.isEnabled()
    assert view.demo_list.table.isColumnHidden(column("Train"))
    tick = cell(view, 0, "Train")
    assert not tick.flags() & Qt.ItemFlag.ItemIsUserCheckable


def test_the_train_view_counts_what_trains_and_a_reopened_run_names_its_files(qtbot, workspace, dialogs, curated):
    from app.gui.train.train_view import TrainView

    names = sorted(path.name for path in curated.glob("*.npz"))
    save_selection(curated, DemoSelection().with_ticked(names[0], False))
    view = TrainView(workspace, dialogs)
    qtbot.addWidget(view)
    view.settings_panel.select_demos(curated)
    assert "3 of 4 episodes train" in view.settings_panel._demo_count.text()
    assert view.settings_panel.demo_filters.isEnabled()
    run_dir = run_folders(workspace.runs_dir)[0]  # the fixture's run, on all four
    view.select_run(run_dir)
    view.open_selected_run()
    assert "Trained on 4 demos of LunarLander-v3." in view.summary.text()
    assert all(name in view.summary.toolTip() for name in names)
    view.shutdown()
