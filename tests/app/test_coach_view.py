"""The Coach view end to end (offscreen): take over, act, hand back, keep, train on corrections."""

import pytest
from PySide6.QtCore import Qt

from app.gui.coach.coach_view import CoachView
from app.gui.train.run_list import opened_run_summary
from app.gui.train.train_view import TrainView
from core.data.demo_set import load_demo_set
from core.envs.gamepad import PadState
from core.sessions.coach_session import Control
from core.train.events import Finished
from core.train.runs.run_dir import RunDir
from core.train.settings.config import default_config
from core.train.trainer import Trainer
from tests.recordings import record_expert_episodes
from tests.tiny import TINY_SETTINGS

LANDER = "LunarLander-v3"
TINY = TINY_SETTINGS


@pytest.fixture
def lander_run(workspace):
    """A short LunarLander run trained on the workspace's copy of the sample demos."""
    workspace.copy_samples(LANDER)
    demos = load_demo_set(workspace.demos_dir(LANDER))
    config = default_config(LANDER, total_steps=256, bc_warmstart_epochs=2, rollout_process=False, **TINY)
    trainer = Trainer(config, demos, run_dir=workspace.new_run_dir("lander"))
    assert any(isinstance(event, Finished) for event in trainer.run())
    return trainer.run_dir


@pytest.fixture
def coach_view(qtbot, workspace, dialogs, lander_run):
    view = CoachView(workspace, dialogs)
    qtbot.addWidget(view)
    view.resize(1000, 750)
    view.show()
    assert view.set_run(lander_run)
    yield view
    view.shutdown()


def test_take_over_act_hand_back_keep_and_train_on_the_correction(qtbot, coach_view, workspace, lander_run):
    view = coach_view
    for _ in range(5):
        view.advance()
    assert view.session.control is Control.POLICY and "POLICY" in view.banner.text()
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Up)  # a game key: the person takes over
    assert view.session.control is Control.PERSON and "YOU" in view.banner.text()
    for _ in range(10):
        view.advance()
    assert view.frame_view.caption_text() == "you"
    qtbot.keyRelease(view.frame_view, Qt.Key.Key_Up)
    qtbot.keyPress(view.frame_view, Qt.Key.Key_H)  # hand back at once
    view.advance()
    assert view.session.control is Control.POLICY
    assert view.session.person_steps == 10
    for _ in range(1500):
        if view.finished:
            break
        view.advance()
    assert view.finished and view.keep_button.isEnabled()
    assert not view.train_button.isEnabled()  # no correction kept yet
    # The end line says how it went, as Record's card does.
    ending = view.session.ending().text
    assert f"return {view.session.episode_return:.1f}, {ending}; you played 10 steps" in view.info.text()
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Return)
    corrections = load_demo_set(workspace.demos_dir(LANDER)).corrections
    assert len(corrections) == 1 and corrections[0].demonstrated_steps == 10
    assert view.corrections == (1, 10) and view.train_button.isEnabled()
    assert not view.finished and view.session.length == 0  # the next episode waits to be played

    # An episode recorded there since the run, not a correction of it: it stays out of the new run.
    record_expert_episodes(workspace.demos_dir(LANDER), LANDER, count=1, first_seed=99)
    train_view = TrainView(workspace, view.dialogs, in_process=True)
    qtbot.addWidget(train_view)
    requested = []
    view.train_requested.connect(lambda run, folder: requested.append((run, folder)))
    view.train_button.click()
    assert requested == [(lander_run, workspace.demos_dir(LANDER))]
    train_view.settings_panel.set_value("total_steps", 128)
    assert train_view.start_from_run(*requested[0])
    assert "1 correction (10 steps you played)" in train_view.summary.text()
    assert f"starting from {lander_run.name}" in train_view.summary.text()
    qtbot.waitUntil(lambda: train_view.last_event is not None and not train_view.is_training, timeout=60_000)
    assert isinstance(train_view.last_event, Finished)
    new_run = RunDir(train_view.run_dir)
    assert "+ 1 correction (10 steps you played)" in opened_run_summary(new_run.path, 1)[0]
    assert new_run.origin().run == str(lander_run.resolve())
    assert new_run.demo_summary().corrections == 1 and new_run.demo_summary().correction_steps == 10
    assert new_run.demo_summary().episodes == RunDir(lander_run).demo_summary().episodes + 1
    train_view.shutdown()


def test_an_episode_played_by_the_policy_alone_is_not_offered_for_keeping(coach_view):
    view = coach_view
    first_seed = view.session.reset_seed
    for _ in range(1500):
        view.advance()
        if view.session.reset_seed != first_seed:
            break
    assert view.session.reset_seed != first_seed and not view.finished


def test_a_pad_takes_over_and_plays_like_the_keys(coach_view):
    view = coach_view
    view.set_pad_name("Test Pad")
    assert "Test Pad" in view.legend.text() and "A, d-pad / stick up" in view.legend.text()
    view.advance()
    view.set_pad_state(PadState(hat=(0, 1)))  # d-pad up: LunarLander's main engine
    assert view.session.control is Control.PERSON
    step = view.session.recorder.length
    view.advance()
    assert int(view.session.recorder.episode().actions[step]) == 2
    view.set_pad_state(PadState())
    for _ in range(view.session.hand_back_steps):
        view.advance()
    assert view.session.control is Control.POLICY


def test_corrections_of_a_run_on_the_samples_go_beside_a_copy_made_at_the_first_keep_if_the_person_agrees(
    qtbot, workspace, dialogs
):
    from core.paths import sample_demos_dir

    config = default_config(LANDER, total_steps=128, bc_warmstart_epochs=1, rollout_process=False, **TINY)
    trainer = Trainer(config, load_demo_set(sample_demos_dir(LANDER)), run_dir=workspace.new_run_dir("samples"))
    list(trainer.run())
    view = CoachView(workspace, dialogs)
    qtbot.addWidget(view)
    assert view.set_run(trainer.run_dir)
    folder = workspace.demos_dir(LANDER)
    assert view.folder == folder and not list(folder.glob("*.npz"))  # opening the view changes nothing
    view.session.press("Up")
    while not view.finished:
        view.advance()
    dialogs.answer = False  # "copy the samples there now?" no: nothing is kept, the episode waits
    view.keep()
    assert view.finished and not list(folder.glob("*.npz"))
    dialogs.answer = True
    view.keep()
    kept = load_demo_set(folder)
    assert len(kept.corrections) == 1
    assert len(kept.episodes) == len(load_demo_set(sample_demos_dir(LANDER)).episodes) + 1
    view.shutdown()


def test_a_broken_run_folder_does_not_stop_the_view_and_says_why_when_picked(qtbot, workspace, dialogs, lander_run):
    broken = workspace.new_run_dir("broken")
    (broken / "config.json").write_text("{not json")
    (broken / "checkpoints").mkdir()
    for path in (lander_run / "checkpoints").iterdir():
        (broken / "checkpoints" / path.name).write_bytes(path.read_bytes())
    view = CoachView(workspace, dialogs)  # built (with the main window) without reading the broken config
    qtbot.addWidget(view)
    assert not view.set_run(broken)
    assert view.info.text().startswith(f"Cannot coach {broken.name}") and view.session is None
    assert view.set_run(lander_run)
    view.shutdown()


def test_a_pad_let_go_while_an_episode_is_over_does_not_hold_control(coach_view):
    view = coach_view
    view.set_pad_state(PadState(hat=(0, 1)))
    while not view.finished:
        view.advance()
    view.set_pad_state(PadState())  # let go while the episode waits for keep / discard
    view.discard()
    for _ in range(3):
        view.advance()
    assert view.session.control is Control.POLICY
