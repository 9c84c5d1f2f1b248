"""The Record view's state machine, without a window."""

import pytest

from core.data.demo_set import load_demo_set
from core.envs.registry import get_spec
from core.paths import sample_demos_dir
from core.sessions.recording_session import Mode, RecordingSession


@pytest.fixture
def session(tmp_path):
    session = RecordingSession(get_spec("LunarLander-v3"), tmp_path / "demos")
    yield session
    session.close()


def test_a_game_key_starts_the_episode_and_its_end_can_be_kept(session, tmp_path):
    assert session.mode == Mode.WAITING and session.frame is not None
    session.press("S")  # a game key LunarLander does not map still starts
    assert session.mode == Mode.PLAYING
    while session.mode == Mode.PLAYING:
        session.advance()
    assert session.mode == Mode.FINISHED and session.keyboard.held == ()
    assert session.ending().text in ("crashed", "landed on the pad", "landed outside the pad", "flew off the side")
    session.press("Up")  # nothing happens to a finished episode
    assert session.mode == Mode.FINISHED
    path = session.keep()
    assert path.parent == tmp_path / "demos" and session.mode == Mode.WAITING and not session.has_unsaved_episode


def test_space_pauses_and_losing_the_keyboard_pauses_and_releases(session):
    session.toggle_pause()
    session.press("Up")
    session.advance()
    session.toggle_pause()
    assert session.mode == Mode.PAUSED
    length = session.recorder.length
    session.advance()  # no step while paused
    assert session.recorder.length == length
    session.toggle_pause()
    session.release_all()
    assert session.mode == Mode.PAUSED and session.keyboard.held == ()
    session.discard()
    assert session.mode == Mode.WAITING and not session.has_unsaved_episode


def test_a_replay_runs_pauses_ends_and_goes_back_to_playing(session):
    episode = load_demo_set(sample_demos_dir("LunarLander-v3")).episodes[0]
    session.start_replay(episode)
    assert session.mode == Mode.REPLAY and session.replay_step == -1
    session.toggle_pause()
    assert session.mode == Mode.REPLAY_PAUSED
    session.advance()
    assert session.replay_step == -1  # paused: no step
    session.toggle_pause()
    while session.mode == Mode.REPLAY:
        session.advance()
    assert session.mode == Mode.REPLAY_DONE and session.replay_mismatch is None
    assert session.replay_return == pytest.approx(episode.episode_return, rel=1e-6)
    session.toggle_pause()  # Space: again
    assert session.mode == Mode.REPLAY and session.replay_step == -1
    while session.mode == Mode.REPLAY:
        session.advance()
    session.press("Left")  # a game key: a new live episode, started
    assert session.mode == Mode.PLAYING and session.replay_episode is episode


def test_a_pad_starts_the_episode_and_plays_beside_the_keys(tmp_path):
    from core.envs.gamepad import PadState
    from core.envs.registry import get_spec
    from core.sessions.recording_session import Mode, RecordingSession

    session = RecordingSession(get_spec("LunarLander-v3"), tmp_path)
    session.set_pad(PadState(buttons=(True,)))  # A: the main engine, and it starts a waiting episode
    assert session.mode == Mode.PLAYING
    session.advance()
    session.set_pad(PadState())
    session.press("Left")
    session.advance()
    assert session.recorder.episode().actions.tolist() == [2, 1]
