"""The Record view, driven with pytest-qt key presses and clicks (offscreen)."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from app.gui.record.demo_rows import column
from app.gui.record.record_view import Mode, RecordView
from core.data.demo_set import load_demo_set
from core.data.episode_io import load_episode
from core.data.replay import verify_replay
from core.paths import sample_demos_dir


@pytest.fixture
def view(qtbot, workspace, dialogs):
    widget = RecordView(workspace, dialogs)
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.set_env("LunarLander-v3")
    widget.show()
    yield widget
    widget.shutdown()


def play_until_done(view, key=None, max_steps=2000):
    """Tick the game directly (no waiting on timers) until the episode ends."""
    for _ in range(max_steps):
        if view.mode != Mode.PLAYING:
            break
        view.advance()
    assert view.mode == Mode.FINISHED


def test_key_presses_drive_the_env_and_are_recorded(qtbot, view):
    assert view.mode == Mode.WAITING
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Up)  # the first game key starts the episode
    assert view.mode == Mode.PLAYING
    for _ in range(5):
        view.advance()
    qtbot.keyRelease(view.frame_view, Qt.Key.Key_Up)
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Left)
    for _ in range(3):
        view.advance()
    qtbot.keyRelease(view.frame_view, Qt.Key.Key_Left)
    view.advance()
    actions = view.recorder.episode().actions
    assert list(actions) == [2, 2, 2, 2, 2, 1, 1, 1, 0]
    assert view.frame_view.has_frame


def test_wasd_and_auto_repeat(qtbot, view):
    qtbot.keyPress(view.frame_view, Qt.Key.Key_D)
    qtbot.keyPress(view.frame_view, Qt.Key.Key_D)  # a second press without release is ignored state-wise
    view.advance()
    qtbot.keyRelease(view.frame_view, Qt.Key.Key_D)
    view.advance()
    assert list(view.recorder.episode().actions) == [3, 0]


def test_the_timer_steps_the_game_at_the_env_fps(qtbot, view):
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Space)
    assert view._timer.interval() == 20  # 50 fps
    qtbot.waitUntil(lambda: view.recorder.length >= 10, timeout=3000)
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Space)
    assert view.mode == Mode.PAUSED
    assert not view._timer.isActive()
    length = view.recorder.length
    qtbot.wait(100)
    assert view.recorder.length == length  # paused: no steps
    pacing = view.pacing()
    assert pacing["steps"] >= 5 and pacing["target_ms"] == pytest.approx(20.0)


def test_speed_slows_the_game_down(qtbot, view):
    view.set_speed(0.25)
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Space)
    assert view._timer.interval() == 80
    view.set_speed(0.5)
    assert view._timer.interval() == 40


def test_keep_writes_a_file_that_validates_and_discard_writes_nothing(qtbot, view, workspace):
    folder = workspace.demos_dir("LunarLander-v3")
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Space)
    play_until_done(view)
    assert view.frame_view.overlay.isVisible()
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Backspace)
    assert list(folder.glob("*.npz")) == []
    assert view.mode == Mode.WAITING

    qtbot.keyPress(view.frame_view, Qt.Key.Key_Right)
    view.advance()
    qtbot.keyRelease(view.frame_view, Qt.Key.Key_Right)
    play_until_done(view)
    expected_return = view.recorder.episode_return
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Return)
    files = list(folder.glob("*.npz"))
    assert len(files) == 1
    episode = load_episode(files[0])
    assert episode.meta.source == "human"
    assert episode.actions[0] == 3
    assert episode.episode_return == pytest.approx(expected_return)
    assert verify_replay(episode).ok
    assert view.demo_list.table.rowCount() == 1
    assert view.demo_list.table.item(0, column("Source")).text() == "human"


def test_the_end_cards_buttons_keep_and_discard_the_episode(qtbot, view, workspace):
    folder = workspace.demos_dir("LunarLander-v3")
    for expected_files in (0, 1):
        qtbot.keyPress(view.frame_view, Qt.Key.Key_Space)
        play_until_done(view)
        keep, discard = view.frame_view.overlay.findChildren(QPushButton)
        assert (keep.text(), discard.text()) == ("Keep (Enter)", "Discard (Backspace)")
        qtbot.mouseClick(keep if expected_files else discard, Qt.MouseButton.LeftButton)
        assert view.mode == Mode.WAITING
        assert len(list(folder.glob("*.npz"))) == expected_files


def test_escape_and_r_drop_the_episode(qtbot, view, workspace):
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Up)
    view.advance()
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Escape)
    assert view.mode == Mode.WAITING and view.recorder.length == 0
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Space)
    view.advance()
    qtbot.keyPress(view.frame_view, Qt.Key.Key_R)
    assert view.mode == Mode.WAITING and view.recorder.length == 0
    assert list(workspace.demos_dir("LunarLander-v3").glob("*.npz")) == []


def test_losing_focus_pauses_and_forgets_held_keys(qtbot, view):
    view.show()
    view.frame_view.setFocus()
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Up)
    view.advance()
    view._on_focus_lost()
    assert view.mode == Mode.PAUSED
    assert view.keyboard.held == ()


def test_continuous_keys_combine(qtbot, view):
    assert view.set_env("LunarLanderContinuous-v3")
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Up)
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Left)
    view.advance()
    np.testing.assert_array_equal(view.recorder.episode().actions[0], [1.0, -1.0])


def test_switching_env_mid_episode_asks_first(qtbot, view, dialogs):
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Up)
    view.advance()
    dialogs.answer = False
    assert not view.set_env("CartPole-v1")
    assert view.env_key == "LunarLander-v3" and view.recorder.length == 1
    dialogs.answer = True
    assert view.set_env("CartPole-v1")
    assert len(dialogs.asked) == 2
    assert view.recorder.spec.key == "CartPole-v1" and view.recorder.length == 0


def test_samples_are_listed_and_replay_shows_frames(qtbot, view):
    view.demo_list.show_samples(True)
    samples = load_demo_set(sample_demos_dir("LunarLander-v3"))
    assert view.demo_list.table.rowCount() == len(samples.episodes)
    assert view.demo_list.table.item(0, column("Source")).text() == "sample"
    assert "Scripted expert" in view.demo_list.summary.text()
    view.demo_list.select_row(0)
    episode = view.demo_list.selected_episode()
    view.demo_list.replay_selected()
    assert view.mode == Mode.REPLAY
    first = view.frame_view._frame.copy()
    for _ in range(30):
        view.advance()
    assert "replay" in view.frame_view._caption
    assert not np.array_equal(first, view.frame_view._frame)  # the lander moved
    for _ in range(episode.length + 5):
        if view.mode != Mode.REPLAY:
            break
        view.advance()
    assert view.mode == Mode.REPLAY_DONE
    assert view.frame_view.overlay.title.text() == "Replay finished"
    assert episode.ending.text in view.frame_view.overlay.text.text()  # "landed on the pad", ...


def test_replay_pauses_with_a_card_and_space_after_the_end_replays_it_again(qtbot, view):
    view.demo_list.show_samples(True)
    view.demo_list.select_row(0)
    view.demo_list.replay_selected()
    assert view._pause_button.text() == "Pause replay (Space)"
    assert "Space pauses" in view._status.text()
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Space)
    assert view.mode == Mode.REPLAY_PAUSED and not view._timer.isActive()
    assert view.frame_view.overlay.isVisibleTo(view) and view.frame_view.overlay.title.text() == "Replay paused"
    assert view._pause_button.text() == "Continue replay (Space)"
    assert "Space continues" in view._status.text()
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Space)
    assert view.mode == Mode.REPLAY and view._timer.isActive()
    while view.mode == Mode.REPLAY:
        view.advance()
    assert view.mode == Mode.REPLAY_DONE and view._pause_button.text() == "Replay again (Space)"
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Space)  # replays, does not start a live episode
    assert view.mode == Mode.REPLAY and not view.has_unsaved_episode
    while view.mode == Mode.REPLAY:
        view.advance()
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Up)  # a game key goes back to playing
    assert view.mode == Mode.PLAYING
    view.advance()
    assert view.recorder.length == 1 and list(view.recorder.episode().actions) == [2]


def test_copy_delete_and_undo(qtbot, view, workspace):
    view.demo_list.copy_samples()
    folder = workspace.demos_dir("LunarLander-v3")
    count = len(list(folder.glob("*.npz")))
    assert count == len(list(sample_demos_dir("LunarLander-v3").glob("*.npz")))
    assert not view.demo_list.showing_samples and view.demo_list.table.rowCount() == count
    view.demo_list.select_row(0)
    doomed = view.demo_list.selected_episode().path
    view.demo_list.table.setFocus()
    qtbot.keyClick(view.demo_list.table, Qt.Key.Key_Delete)  # the key does what the button does
    assert not doomed.exists() and view.demo_list.table.rowCount() == count - 1
    assert view.demo_list.undo_button.isEnabled()
    qtbot.mouseClick(view.demo_list.undo_button, Qt.MouseButton.LeftButton)
    assert doomed.exists() and view.demo_list.table.rowCount() == count
    view.demo_list.select_row(0)
    view.demo_list.delete_selected()
    view.demo_list.empty_trash()  # on close the delete becomes final
    assert len(list(folder.glob("*.npz"))) == count - 1
    assert not (folder / ".trash").exists()


def test_bad_files_are_listed_with_their_reason_and_the_rest_loads(qtbot, view, workspace):
    view.demo_list.copy_samples()
    folder = workspace.demos_dir("LunarLander-v3")
    (folder / "broken.npz").write_bytes(b"not a zip at all")
    view.demo_list.reload_episodes()
    rows = view.demo_list.table.rowCount()
    assert view.demo_list.table.item(rows - 1, column("Source")).text() == "unusable"
    assert "broken.npz" in view.demo_list.warning.text() and "not a zip archive" in view.demo_list.warning.text()
    assert view.demo_list.warning.isVisibleTo(view)
    assert len(view.demo_list.demo_set.episodes) == rows - 1


def test_a_tap_between_two_steps_is_not_lost(qtbot, view):
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Space)
    view.advance()
    qtbot.keyClick(view.frame_view, Qt.Key.Key_Up)  # press and release before the next step
    view.advance()
    view.advance()
    assert list(view.recorder.episode().actions) == [0, 2, 0]


def test_the_keyboard_goes_back_to_the_game_after_a_combo_choice(qtbot, view):
    view.activateWindow()
    view._env_combo.setFocus()
    view._env_combo.activated.emit(view._env_combo.currentIndex())
    assert view.frame_view.hasFocus()
    assert view._pause_button.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_any_arrow_or_wasd_key_starts_the_episode_even_one_the_env_does_not_map(qtbot, view):
    assert "Down" not in view.spec.key_actions  # LunarLander has no use for Down
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Down)
    assert view.mode == Mode.PLAYING
    view.advance()
    assert list(view.recorder.episode().actions) == [0]  # an unmapped key acts as no key


def test_speed_is_remembered_per_env_and_the_card_states_it(qtbot, view):
    view.set_speed(0.25)
    assert "Speed: 25%" in view.frame_view.overlay.text.text()
    assert "speed 25%" in view._status.text()
    view.set_env("Acrobot-v1")
    assert view.speed == 1.0 and "Speed: 100%" in view.frame_view.overlay.text.text()
    view.set_env("LunarLander-v3")
    assert view.speed == 0.25
    restored = RecordView(view.workspace, None)
    qtbot.addWidget(restored)
    restored.restore_settings(view.settings())
    assert restored.env_key == "LunarLander-v3" and restored.speed == 0.25
    assert "Speed: 25%" in restored.frame_view.overlay.text.text()
    restored.set_env("Acrobot-v1")
    assert restored.speed == 1.0
    restored.shutdown()


def test_the_end_card_names_the_ending_and_no_key_stays_held(qtbot, view):
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Up)
    view.advance()
    play_until_done(view)  # Up is still down: the lander climbs, then falls when it is let go
    qtbot.keyRelease(view.frame_view, Qt.Key.Key_Up)
    assert "keys held: none" in view._status.text()
    ending = view.recorder.episode().ending
    title = view.frame_view.overlay.title.text()
    assert title.endswith(ending.text) and ending.text in (
        "crashed",
        "flew off the side",
        "landed on the pad",
        "landed outside the pad",
        "time limit reached (still flying)",
    )
    assert "the episode ended" not in view.frame_view.overlay.text.text()


def test_a_lander_above_the_picture_is_marked(qtbot, view):
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Up)  # full throttle: it leaves through the top
    for _ in range(400):
        view.advance()
        if view.frame_view._above_top_x is not None or view.mode != Mode.PLAYING:
            break
    assert view.frame_view._above_top_x is not None and 0.0 <= view.frame_view._above_top_x <= 1.0
    view.frame_view.setFocus()  # the focus ring is drawn after the marker
    image = view.frame_view.grab().toImage()
    picture = view.frame_view.image_rect()
    x = int(picture.left() + view.frame_view._above_top_x * picture.width())
    assert image.pixelColor(x, int(picture.top()) + 10).name() == "#ffbe3c"  # the marker's arrow
    ground = image.pixelColor(int(picture.center().x()), int(picture.bottom()) - 10).name()
    assert ground == "#ffffff"  # the marker's colour stays in the marker (it once filled the frame)
    view.restart()
    assert view.frame_view._above_top_x is None


def test_the_copy_hint_is_only_given_where_there_are_samples(qtbot, view):
    view.set_env("CarRacing-v3")
    assert not view.demo_list.copy_button.isEnabled()
    assert "copy the samples" not in view.demo_list.summary.text()
    view.set_env("LunarLander-v3")
    assert "copy the samples" in view.demo_list.summary.text()


@pytest.mark.parametrize("env_key", ["LunarLander-v3", "CartPole-v1"])
def test_the_ready_card_leaves_the_middle_of_the_game_free(qtbot, view, env_key):
    view.set_env(env_key)
    card, picture = view.frame_view.overlay.geometry(), view.frame_view.image_rect()
    assert view.frame_view.overlay.isVisibleTo(view) and view.frame_view.overlay.title.text() == "Ready"
    # The lander starts at the top centre and lands at the bottom centre; the pole stands in the
    # middle: the card keeps to the left of the centre line.
    assert card.left() >= picture.left() and card.right() < picture.center().x() - 10


def test_copying_the_samples_twice_says_they_are_there(qtbot, view):
    messages = []
    view.status_message.connect(messages.append)
    view.demo_list.copy_samples()
    view.demo_list.copy_samples()
    assert messages[0].startswith("copied 10 sample episodes") and messages[1].startswith("the samples are already")


def test_the_end_card_after_a_flight_off_the_side_shows_all_its_lines(qtbot, view):
    """The view's own sequence: a start card, play, then the end card with new buttons
    (tests/app/test_overlay_card.py checks the card alone)."""
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Up)  # up, then hard left: off the side
    for _ in range(120):
        view.advance()
    qtbot.keyRelease(view.frame_view, Qt.Key.Key_Up)
    qtbot.keyPress(view.frame_view, Qt.Key.Key_Left)
    for _ in range(1000):
        if view.mode != Mode.PLAYING:
            break
        view.advance()
    card = view.frame_view.overlay
    assert view.mode == Mode.FINISHED  # mostly "flew off the side"; a random terrain may crash it
    card.layout().activate()
    assert card.height() >= card.heightForWidth(card.width())
    assert card.title.height() >= card.title.heightForWidth(card.title.width())
    for button in card.findChildren(QPushButton):
        assert button.width() >= button.sizeHint().width()


def test_a_replay_that_stops_matching_its_recording_says_from_which_step(tmp_path):
    import dataclasses

    from app.gui.record.record_texts import card_for
    from core.envs.registry import get_spec
    from core.sessions.recording_session import Mode, RecordingSession

    session = RecordingSession(get_spec("LunarLander-v3"), tmp_path / "demos")
    episode = load_demo_set(sample_demos_dir("LunarLander-v3")).episodes[0]
    actions = episode.actions.copy()
    actions[5:40] = 1  # changed after recording: the file no longer replays as recorded
    session.start_replay(dataclasses.replace(episode, actions=actions))
    while session.mode == Mode.REPLAY:
        session.advance()
    # Named as `demos validate` names it (verify_replay), from the first changed action on.
    assert session.replay_mismatch in ("after step 5", "after step 6", "after step 7")
    card = card_for(session, 1.0)
    assert f"The replay no longer matches the recording {session.replay_mismatch}" in card.text
    session.close()
