"""What the Record view says about its session, as plain functions of it: the card over the
frame, the status line, the caption in the frame, and the Space button's text."""

from __future__ import annotations

from dataclasses import dataclass

from app.gui.widgets.wording import count
from core.sessions.recording_session import REPLAYING, Mode, RecordingSession

PAUSE_BUTTON_TEXT = {
    Mode.WAITING: "Start (Space)",
    Mode.PLAYING: "Pause (Space)",
    Mode.PAUSED: "Continue (Space)",
    Mode.FINISHED: "Continue (Space)",
    Mode.REPLAY: "Pause replay (Space)",
    Mode.REPLAY_PAUSED: "Continue replay (Space)",
    Mode.REPLAY_DONE: "Replay again (Space)",
}
REPLAY_KEYS = {
    Mode.REPLAY: "Space pauses, Esc stops",
    Mode.REPLAY_PAUSED: "paused: Space continues, Esc stops",
    Mode.REPLAY_DONE: "finished: Space replays it again, Esc or a game key goes back to playing",
}


@dataclass(frozen=True)
class Card:
    title: str
    text: str
    keep_or_discard: bool = False  # the finished episode's card carries the two buttons


def card_for(session: RecordingSession, speed: float) -> Card | None:
    """The card over the frame for the session's mode (none while the game or a replay runs)."""
    mode = session.mode
    if mode == Mode.WAITING:
        return Card("Ready", f"{session.spec.hint}<br>Press a game key or Space to start. Speed: {speed:.0%}.")
    if mode == Mode.PAUSED:
        return Card("Paused", "Space continues, R restarts, Esc discards this episode.")
    if mode == Mode.REPLAY_PAUSED:
        return Card("Replay paused", "Space continues the replay, Esc stops it.")
    if mode == Mode.FINISHED:
        recorder = session.recorder
        return Card(
            f"Return {recorder.episode_return:.1f}: {session.ending().text}",
            f"{count(recorder.length, 'step')}. Keep this episode as a demonstration?",
            keep_or_discard=True,
        )
    if mode == Mode.REPLAY_DONE and session.replay_episode is not None:
        episode = session.replay_episode
        return Card(
            "Replay finished",
            f"Return {episode.episode_return:.1f} in {count(episode.length, 'step')}: {episode.ending.text}. "
            f"{mismatch_warning(session)}Space replays it again; a game key or Esc goes back to playing.",
        )
    return None


def mismatch_warning(session: RecordingSession) -> str:
    """A sentence when the replay stopped matching the file's own observations, else ''."""
    where = session.replay_mismatch
    if where is None:
        return ""
    return (
        f"⚠ The replay no longer matches the recording {where} (the file was changed, or recorded with "
        "another gymnasium): what you saw is not what trains; `imitation-studio demos validate` checks "
        "the folder. "
    )


def status_and_caption(session: RecordingSession, speed: float) -> tuple[str, str]:
    """The status line under the frame and the caption in its corner."""
    episode = session.replay_episode
    if session.mode in REPLAYING and episode is not None:
        caption = f"replay · step {session.replay_step + 1} / {episode.length} · return {session.replay_return:.1f}"
        trace = session.replay_disc
        if trace is not None and 0 <= session.replay_step < len(trace):
            caption += f" · D {trace[session.replay_step]:.2f}"
        if session.replay_mismatch is not None:
            caption += " · ⚠ not as recorded"
        name = episode.path.name if episode.path else ""
        return f"{caption} · {name} · {REPLAY_KEYS[session.mode]}", caption
    recorder = session.recorder
    held = ", ".join(session.keyboard.held) or "none"
    status = (
        f"{session.mode.value} · step {recorder.length} · return {recorder.episode_return:.1f} · "
        f"keys held: {held} · speed {speed:.0%}"
    )
    return status, f"{session.spec.display_name} · step {recorder.length} · return {recorder.episode_return:.1f}"
