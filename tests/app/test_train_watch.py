"""Train and Watch views with the trainer on its QThread (offscreen, CartPole, small step counts)."""

import time

import numpy as np
import pytest

from app.gui.train.train_view import TrainView
from app.gui.train.worker import TrainingThread
from app.gui.watch.watch_view import WatchView
from core.data.demo_set import DemoSet, load_demo_set
from core.paths import sample_demos_dir
from core.rl import gail
from core.rl.reward_forms import REWARD_FORMS
from core.train.events import Failed, Finished
from core.train.runs.checkpoint import load_checkpoint
from core.train.runs.run_dir import RunDir
from core.train.settings.config import default_config
from core.train.trainer import Trainer

CARTPOLE = "CartPole-v1"


@pytest.fixture
def train_view(qtbot, workspace, dialogs):
    view = TrainView(workspace, dialogs)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    view.settings_panel.select_demos(sample_demos_dir(CARTPOLE))
    view.settings_panel.set_value("eval_every_iters", 2)
    yield view
    view.shutdown()


@pytest.fixture
def watch_view(qtbot, workspace):
    view = WatchView(workspace)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    yield view
    view.shutdown()


def wait_finished(qtbot, view, timeout_ms=60_000):
    # The thread's end reaches the view as a queued signal: wait for the controls it re-enables.
    qtbot.waitUntil(
        lambda: view.last_event is not None and not view.is_training and view.start_button.isEnabled(),
        timeout=timeout_ms,
    )
    return view.last_event


def test_gail_on_cartpole_trains_plots_and_lists_the_run(qtbot, train_view, workspace):
    snapshots = []
    train_view.snapshot_ready.connect(lambda snapshot, config, demos: snapshots.append((snapshot, config)))
    train_view.settings_panel.set_value("total_steps", 6 * 1024 - 100)  # rounded up to 6 whole batches
    assert train_view.settings_panel.config_from_form().env == CARTPOLE
    assert train_view.start()
    # The bar ends where the run will, and the summary says so (it finished past a 100% bar).
    assert train_view.progress.maximum() == 6 * 1024 and "6,144 env steps" in train_view.summary.text()
    assert not train_view.start_button.isEnabled()
    # At once, before the child process sends anything: it says it is starting, the run is listed,
    # and the settings are locked (the running trainer would not see a change).
    assert train_view.progress.format().startswith("starting")
    assert train_view.runs.count() == 1 and "training…" in train_view.runs.item(0).text()
    assert not train_view.settings_panel.isEnabled()
    event = wait_finished(qtbot, train_view)
    assert train_view.settings_panel.isEnabled()
    assert isinstance(event, Finished) and event.final_eval
    assert train_view.plots.point_count("disc_expert") == 6
    assert train_view.plots.point_count("eval_return") == 3
    assert snapshots and snapshots[-1][1].env == CARTPOLE
    assert "Finished after" in train_view.summary.text()
    assert train_view.runs.count() == 1 and "return" in train_view.runs.item(0).text()
    assert len(RunDir(event.run_dir).metrics()) == 6
    assert train_view.start_button.isEnabled()


def test_pause_resume_and_stop(qtbot, train_view):
    train_view.settings_panel.set_value("total_steps", 2_000_000)
    train_view.settings_panel.set_value("stop_when_done", False)  # CartPole would be done in seconds
    train_view.start()
    qtbot.waitUntil(lambda: train_view.plots.point_count("disc_loss") >= 2, timeout=30_000)
    train_view.pause_button.click()
    assert train_view.pause_button.text() == "Resume"
    qtbot.wait(600)  # the iteration under way ends its rollout step, then waits
    paused_at = train_view.plots.point_count("disc_loss")
    qtbot.wait(800)
    assert train_view.plots.point_count("disc_loss") <= paused_at + 1
    assert "paused" in train_view.progress.format() and "ETA" not in train_view.progress.format()
    train_view.pause_button.click()
    qtbot.waitUntil(lambda: train_view.plots.point_count("disc_loss") >= paused_at + 2, timeout=30_000)
    started = time.monotonic()
    train_view.stop_button.click()
    event = wait_finished(qtbot, train_view, timeout_ms=5000)
    # Stop answers within one iteration (well under a second here); the bound only catches a
    # hang, with room for a busy 2-core machine (timings are the probes' and the benchmark's job).
    assert time.monotonic() - started < 5.0
    assert isinstance(event, Finished) and event.stopped_early
    assert load_checkpoint(event.run_dir).state["env_steps"] == event.env_steps
    assert "resumable" in train_view.runs.item(0).text()
    # Resume continues the run to its own total, whatever the form says now.
    train_view.settings_panel.set_value("total_steps", 5_000_000)
    train_view.select_run(event.run_dir)
    train_view.resume_selected_run()
    assert train_view.is_training and train_view.config.total_steps == 2_000_000
    train_view.stop_button.click()
    wait_finished(qtbot, train_view)


def test_a_nan_in_training_shows_a_dialog_and_the_view_stays_usable(qtbot, workspace, dialogs, monkeypatch):
    # In-process training, so that the patched engine is the one that runs.
    train_view = TrainView(workspace, dialogs, in_process=True)
    qtbot.addWidget(train_view)
    train_view.settings_panel.select_demos(sample_demos_dir(CARTPOLE))
    real_reward = gail.imitation_reward
    monkeypatch.setattr(gail, "imitation_reward", lambda logits, form: real_reward(logits, form) * float("nan"))
    train_view.settings_panel.set_value("total_steps", 4096)
    train_view.start()
    event = wait_finished(qtbot, train_view)
    assert isinstance(event, Failed)
    title, text, details = dialogs.errors[-1]
    assert title == "Training failed" and "diverged" in text and "Traceback" in details
    assert train_view.start_button.isEnabled()
    monkeypatch.setattr(gail, "imitation_reward", real_reward)
    assert train_view.start()  # usable again
    assert isinstance(wait_finished(qtbot, train_view), Finished)
    train_view.shutdown()


def test_a_failure_in_the_training_process_shows_a_dialog(qtbot, train_view, dialogs, monkeypatch, tmp_path):
    # The parent sees usable demos, but their folder is empty by the time the child reads it.
    import app.gui.train.run_launch as launch_module

    samples = load_demo_set(sample_demos_dir(CARTPOLE))
    emptied = tmp_path / "emptied"
    emptied.mkdir()
    moved = DemoSet(emptied, CARTPOLE, samples.episodes, ())
    monkeypatch.setattr(launch_module, "load_demo_set", lambda folder, env_key=None: moved)
    train_view.settings_panel.set_value("total_steps", 4096)
    assert train_view.start()
    event = wait_finished(qtbot, train_view)
    assert isinstance(event, Failed) and "no episode files" in event.message
    title, _, details = dialogs.errors[-1]
    assert title == "Training failed" and "Traceback" in details
    assert train_view.start_button.isEnabled()


def test_bad_settings_are_named_in_a_dialog(train_view, dialogs):
    train_view.settings_panel._main_form.editors["learning_rate"].widget.setText("fast")
    assert not train_view.start()
    assert "learning_rate" in dialogs.errors[-1][1]


def test_a_finished_run_reopens_with_its_curves_and_can_be_resumed(qtbot, train_view, watch_view, workspace):
    train_view.run_opened.connect(watch_view.watch_run)
    train_view.settings_panel.select_algorithm("gail", "trpo")
    train_view.settings_panel.set_value("total_steps", 4 * 1024)
    train_view.start()
    event = wait_finished(qtbot, train_view)
    train_view.plots.clear()
    train_view.settings_panel.select_algorithm("gail", "ppo-kl")  # the form moves on; Open brings the run's back
    train_view.settings_panel.set_value("total_steps", 99 * 1024)
    train_view.select_run(event.run_dir)
    train_view.open_selected_run()
    assert train_view.plots.point_count("disc_policy") == 4
    assert watch_view.player is not None and watch_view.run_dir == event.run_dir
    assert shows_whole(watch_view._run_combo, watch_view._run_combo.currentText())  # the run's whole name
    opened = train_view.settings_panel.config_from_form()
    assert (opened.generator, opened.total_steps) == ("trpo", 4 * 1024)
    assert train_view.summary.text().count(event.run_dir.name) == 1
    assert "Finished" not in train_view.progress.format()
    assert train_view.progress.format() == "4,096 / 4,096 steps · finished"  # not just "opened"

    # After a restart the Watch view lists the run and plays the newest one without being asked.
    restarted = WatchView(workspace)
    qtbot.addWidget(restarted)
    assert restarted._run_combo.findData(str(event.run_dir)) >= 0
    restarted.set_active(True)
    assert restarted.player is not None and restarted.run_dir == event.run_dir
    restarted.shutdown()

    train_view.settings_panel.set_value("total_steps", 6 * 1024)
    train_view.resume_selected_run()
    assert train_view.progress.format().startswith("resuming")
    event = wait_finished(qtbot, train_view)
    assert isinstance(event, Finished) and event.env_steps == 6 * 1024
    assert len(RunDir(event.run_dir).metrics()) == 6


def test_watch_view_plays_the_snapshot_with_a_d_trace_and_a_demo(qtbot, watch_view):
    demos = load_demo_set(sample_demos_dir(CARTPOLE))
    config = default_config(CARTPOLE, total_steps=1024, eval_every_iters=0)
    trainer = Trainer(config, demos)
    snapshot = trainer.snapshot()
    watch_view.set_snapshot(snapshot, config, demos)
    # The return plot's legend names what is drawn: no demonstration until one is shown.
    assert watch_view.traces.legend_labels() == ("policy", "demos' mean return")
    watch_view._show_demo.setChecked(True)
    # Beside a demo, the policy starts from the demo's own start state.
    demo = watch_view.beside.episode
    assert np.allclose(watch_view.player.env.unwrapped.state, demo.observations[0])
    for _ in range(5):  # CartPole lasts at least 8 steps: both are in their first episode
        watch_view.advance()
    assert watch_view.player.t == 4 and watch_view.beside.trace_t[-1] == 4  # in step
    for _ in range(35):
        watch_view.advance()
    assert watch_view.policy_frame.has_frame and watch_view.demo_frame.has_frame
    assert "demonstration (same start)" in watch_view.traces.legend_labels()
    _, d_values = watch_view.traces.d_curve.getData()
    assert len(d_values) > 0 and np.all((d_values > 0) & (d_values < 1))
    assert "D " in watch_view.policy_frame._caption
    for _ in range(600):  # the untrained policy drops the pole soon: its return is shown
        if watch_view._end_pause:
            break
        watch_view.advance()
    assert watch_view.policy_frame.overlay.title.text().startswith("Return")
    assert "Last episode: return" in watch_view._info.text()
    watch_view.set_active(True)
    shown = watch_view.frames_shown
    qtbot.waitUntil(lambda: watch_view.frames_shown >= shown + 10, timeout=3000)  # its own timer, 50 fps
    watch_view.set_active(False)


def test_the_worker_sends_at_most_about_ten_updates_a_second(qtbot):
    demos = load_demo_set(sample_demos_dir(CARTPOLE))
    # Tiny iterations (a few ms each), far more of them per second than the GUI may receive.
    config = default_config(
        CARTPOLE,
        total_steps=200 * 16,
        num_envs=2,
        num_steps=8,
        num_minibatches=1,
        update_epochs=1,
        disc_steps=1,
        eval_every_iters=0,
    )
    training = TrainingThread(Trainer(config, demos), max_updates_per_s=10)
    batches = []
    training.worker.progress.connect(batches.append)
    started = time.monotonic()
    training.start()
    qtbot.waitUntil(lambda: not training.running, timeout=60_000)
    # The last update is a queued signal: wait for it rather than for a fixed time.
    qtbot.waitUntil(lambda: sum(len(batch.stats) for batch in batches) == 200, timeout=5_000)
    elapsed = time.monotonic() - started
    iterations = sum(len(batch.stats) for batch in batches)
    assert iterations == 200
    assert len(batches) <= elapsed * 10 + 3
    assert len(batches) < iterations / 2  # several iterations share an update


def test_compare_draws_another_run_and_export_writes_the_policy(qtbot, train_view, dialogs, tmp_path):
    from safetensors.torch import load_file

    train_view.settings_panel.set_value("total_steps", 2048)
    train_view.start()
    first = wait_finished(qtbot, train_view).run_dir
    train_view.select_run(first)
    train_view.compare_selected_run()
    train_view.plots.redraw()
    assert len(train_view.plots.compare_series["disc_loss"]) == 2
    legends = train_view.plots.legend_labels()
    assert legends[0][:2] == ["expert", "policy"]  # in the panel's order
    assert "compared run" in legends[1]
    plots = train_view.plots
    assert first.name in plots.compare_label.text() and plots.clear_compare_button.isVisibleTo(train_view)
    plots.clear_compare_button.click()
    train_view.plots.redraw()
    assert not train_view.plots.compare_series and "compared run" not in train_view.plots.legend_labels()[1]
    dialogs.save_path = tmp_path / "policy.safetensors"
    train_view.run_list.export_selected_run()
    weights = load_file(str(dialogs.save_path))
    assert any(name.startswith("actor.") for name in weights)
    dialogs.save_path = tmp_path / "no-such-dir" / "policy.safetensors"
    train_view.run_list.export_selected_run()
    assert dialogs.errors and dialogs.errors[-1][0] == "Export failed"
    # The suffix picks the format: another one (or none) is refused.
    dialogs.save_path = tmp_path / "policy.txt"
    train_view.run_list.export_selected_run()
    assert not dialogs.save_path.exists() and "policy.txt: name the file .onnx" in dialogs.errors[-1][1]


def test_the_tensorboard_box_under_advanced_writes_event_files(qtbot, train_view):
    pytest.importorskip("tensorboard")
    train_view.settings_panel.set_value("tensorboard", True)
    train_view.settings_panel.set_value("total_steps", 2048)
    assert train_view.start()
    event = wait_finished(qtbot, train_view)
    assert isinstance(event, Finished)
    assert list((event.run_dir / "tensorboard").glob("events.out.tfevents.*"))


def shows_whole(combo, text: str) -> bool:
    """Would ``combo`` show ``text`` without eliding it?"""
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    control, field = QStyle.ComplexControl.CC_ComboBox, QStyle.SubControl.SC_ComboBoxEditField
    room = combo.style().subControlRect(control, option, field, combo)
    return combo.fontMetrics().horizontalAdvance(text) <= room.width()


def test_every_choice_of_the_choice_boxes_shows_whole_and_the_reward_is_explained(qtbot, train_view):
    from PySide6.QtWidgets import QComboBox

    panel = train_view.settings_panel
    qtbot.waitUntil(lambda: panel.width() > 0)
    for combo in panel.findChildren(QComboBox):
        if not combo.isVisibleTo(panel):
            continue
        for index in range(combo.count()):
            assert shows_whole(combo, combo.itemText(index)), combo.itemText(index)
    hints = set()
    for reward in REWARD_FORMS:  # every form of the one table is offered, and explained
        panel.restore_settings({"reward": reward})
        assert panel.config_from_form().reward == reward
        hints.add(panel.reward_hint())
    assert hints == {form.meaning for form in REWARD_FORMS.values()}


def test_the_wheel_scrolls_the_form_without_changing_a_value_under_the_pointer(qtbot, train_view):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication, QSpinBox

    spin = train_view.findChild(QSpinBox, "trpo_backtracks")
    before = spin.value()
    centre = QPointF(spin.rect().center())
    event = QWheelEvent(
        centre,
        spin.mapToGlobal(centre),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(spin, event)
    assert spin.value() == before


def test_a_finished_run_below_its_demos_says_why_in_the_train_view(train_view):
    from core.data.demo_set import load_demo_set
    from core.train.events import Finished
    from core.train.runs.records import FinalEval

    demos = load_demo_set(sample_demos_dir(CARTPOLE))  # balanced to the time limit: 500
    short = FinalEval(return_mean=20.0, return_std=5.0, length_mean=20.0, episodes=10)
    status = train_view.board.show_finished(Finished(4096, None, short), demos)
    text = train_view.summary.text()
    assert "⚠ The policy scores 20.0, below your demos' 500.0" in text and "Resume" in text
    assert status.startswith("Finished after") and "⚠" not in status  # the status bar: the first line
    good = FinalEval(return_mean=500.0, return_std=0.0, length_mean=500.0, episodes=10)
    train_view.board.show_finished(Finished(4096, None, good), demos)
    assert "⚠" not in train_view.summary.text()


@pytest.mark.slow
def test_a_done_run_says_so_and_keep_training_trains_it_on_to_its_total(qtbot, train_view):
    total = 50 * 1024
    train_view.settings_panel.set_value("total_steps", total)
    assert not train_view.keep_training_button.isVisible()
    assert train_view.start()
    event = wait_finished(qtbot, train_view, timeout_ms=120_000)
    assert isinstance(event, Finished) and event.done_reason and event.env_steps < total and event.final_eval
    assert "Done</b>: the policy plays as well as your demos after" in train_view.summary.text()
    qtbot.waitUntil(lambda: not train_view.is_training, timeout=30_000)
    assert train_view.keep_training_button.isVisible() and train_view.keep_training_button.isEnabled()
    train_view.keep_training_button.click()
    assert train_view.is_training and train_view.config.stop_when_done is False
    assert not train_view.keep_training_button.isVisible()
    event = wait_finished(qtbot, train_view, timeout_ms=120_000)
    assert event.env_steps == total and event.done_reason is None
    assert RunDir(event.run_dir).config().stop_when_done is False


def test_the_watch_view_names_the_earlier_policy_a_run_kept(watch_view, workspace):
    import dataclasses

    config = default_config(CARTPOLE, total_steps=256, num_envs=2, num_steps=64, eval_every_iters=0)
    trainer = Trainer(config, load_demo_set(sample_demos_dir(CARTPOLE)), run_dir=workspace.new_run_dir("settled"))
    list(trainer.run())
    run = RunDir(trainer.run_dir)
    watch_view.set_run(trainer.run_dir)
    assert "Watching the run" in watch_view._info.text() and "its policy of" not in watch_view._info.text()
    run.write_final_eval(dataclasses.replace(run.final_eval(), earlier_policy_at=128, last_shown_return=9.0))
    watch_view.set_run(trainer.run_dir)
    assert "its policy of 128 env steps (kept: it played clearly better than its last" in watch_view._info.text()
