"""The Record view: play an env with the keyboard, keep or discard each episode, manage the demo set.

The game runs on a precise Qt timer at the env's fps times the chosen speed, in the GUI thread
(one env step and one render take about a millisecond). Key presses are tracked by
``core.envs.KeyboardActions`` (held keys, no auto-repeat, taps shorter than a step still act).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.gui.record.demo_list import DemoListPanel
from app.gui.record.game_column import GameColumn
from app.gui.record.game_timer import GameTimer
from app.gui.record.key_legend import KeyLegend
from app.gui.record.record_columns import RecordColumns
from app.gui.widgets.dialogs import Dialogs, ThenRefocus
from app.gui.widgets.keys import key_name
from app.gui.widgets.wording import count
from core.data.episode import Episode
from core.data.workspace import Workspace
from core.envs.gamepad import PadState
from core.envs.keyboard import KeyboardActions
from core.envs.registry import REGISTRY, EnvSpec, get_spec
from core.errors import DemoError, StudioError
from core.sessions.recording_session import REPLAYING, Mode, RecordingSession


class RecordView(QWidget):
    """Env picker, the game, the key legend, the episode list with replay and delete (with undo)."""

    status_message = Signal(str)
    episode_kept = Signal(Path)

    def __init__(self, workspace: Workspace, dialogs: Dialogs | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.dialogs = ThenRefocus(dialogs or Dialogs(), self.take_keyboard)
        self.session: RecordingSession | None = None
        self._timer = GameTimer(lambda: self.speed, self)
        self._timer.timeout.connect(self.advance)
        self._build()
        self._env_combo.setCurrentIndex(0)
        self._switch_env(self.env_key, ask=False)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.game = GameColumn()
        # The game column's parts the view acts on (and the tests reach) under the view's names.
        self.frame_view = self.game.frame_view
        self.disc_trace = self.game.disc_trace
        self._env_combo = self.game.env_combo
        self._speed_combo = self.game.speed_box
        self._pause_button = self.game.pause_button
        self._status = self.game.status
        self._env_combo.currentIndexChanged.connect(lambda _: self._switch_env(self._env_combo.currentData()))
        self._speed_combo.speed_changed.connect(self._apply_speed)
        self._pause_button.clicked.connect(self.toggle_pause)
        self.game.restart_button.clicked.connect(self.restart)
        self.game.keep_requested.connect(self.keep_episode)
        self.game.discard_requested.connect(self.discard_episode)
        self.frame_view.key_pressed.connect(self._on_key_pressed)
        self.frame_view.key_released.connect(self._on_key_released)
        self.frame_view.focus_lost.connect(self._on_focus_lost)
        self.legend = KeyLegend()
        self.demo_list = DemoListPanel(self.workspace, next(iter(REGISTRY)), self.dialogs)
        self.demo_list.status_message.connect(self.status_message)
        self.demo_list.replay_requested.connect(self.replay_episode)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(RecordColumns(self.game, self.legend, self.demo_list))

    # ------------------------------------------------------------------ state
    @property
    def env_key(self) -> str:
        return self._env_combo.currentData()

    @property
    def spec(self) -> EnvSpec:
        return get_spec(self.env_key)

    @property
    def speed(self) -> float:
        return self._speed_combo.speed

    @property
    def mode(self) -> Mode:
        return self.session.mode if self.session is not None else Mode.WAITING

    @property
    def recorder(self):
        return self.session.recorder if self.session is not None else None

    @property
    def keyboard(self) -> KeyboardActions | None:
        return self.session.keyboard if self.session is not None else None

    @property
    def has_unsaved_episode(self) -> bool:
        """Steps were taken in an episode that is neither kept nor discarded."""
        return self.session is not None and self.session.has_unsaved_episode

    def set_env(self, env_key: str) -> bool:
        """Select an env as the user would (asks before dropping an episode); True if it is now shown."""
        index = self._env_combo.findData(env_key)
        if index < 0:
            raise StudioError(f"unknown environment {env_key!r}")
        self._env_combo.setCurrentIndex(index)
        return self.env_key == env_key

    def set_speed(self, speed: float) -> None:
        self._speed_combo.choose(speed)

    def set_workspace(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.demo_list.set_workspace(workspace)
        if self.session is not None:  # it records into the old workspace: a new one
            self.session.close()
            self.session = None
        self._switch_env(self.env_key, ask=False)

    def set_pad_state(self, state: PadState) -> None:
        if self.session is not None:  # a pad plays beside the keys (core.envs.gamepad)
            self.session.set_pad(state)
            self._show_session()  # pad input may have started the game

    def take_keyboard(self) -> None:
        """Give the keyboard to the game (when this view is on screen): keys play at once."""
        if self.isVisible() and self.session is not None:
            self.frame_view.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.take_keyboard()

    def settings(self) -> dict[str, object]:
        return {
            "env": self.env_key,
            "speeds": self._speed_combo.remembered(),
            "samples": self.demo_list.showing_samples,
        }

    def restore_settings(self, values: dict[str, object]) -> None:
        self._speed_combo.restore(values.get("speeds", "{}"))
        env = values.get("env")
        if isinstance(env, str) and env in REGISTRY:
            self.set_env(env)
        self.demo_list.show_samples(str(values.get("samples", "false")).lower() == "true")

    # ------------------------------------------------------------------ env and episodes
    def _switch_env(self, env_key: str, ask: bool = True) -> None:
        if self.session is not None and env_key == self.session.spec.key:
            return
        if ask and self.has_unsaved_episode and not self._confirm_drop("switch environment"):
            previous = self.session.spec.key
            self._env_combo.blockSignals(True)
            self._env_combo.setCurrentIndex(self._env_combo.findData(previous))
            self._env_combo.blockSignals(False)
            return
        if self.session is not None:
            self.session.close()
        spec = get_spec(env_key)
        self.session = RecordingSession(spec, self.workspace.demos_dir(env_key))
        self.legend.show_env(spec)
        self._speed_combo.show_env(env_key)
        self._show_session()
        self.demo_list.set_env(env_key)

    def restart(self) -> None:
        self.session.discard()
        self._show_session()
        self.status_message.emit("episode restarted")

    def discard_episode(self) -> None:
        had_steps = self.has_unsaved_episode and self.mode not in REPLAYING
        self.session.discard()
        self._show_session()
        if had_steps:
            self.status_message.emit("episode discarded")

    def keep_episode(self) -> Path | None:
        if self.mode != Mode.FINISHED:
            return None
        try:
            path = self.session.keep()
        except (DemoError, OSError) as error:
            self.dialogs.error(self, "Could not save the episode", str(error))
            return None
        self._show_session()
        self.status_message.emit(f"kept {path.name}")
        self.demo_list.show_samples(False)
        self.demo_list.reload_episodes()
        self.episode_kept.emit(path)
        return path

    def toggle_pause(self) -> None:
        """Space: start, pause or continue the game or the replay; after a replay, replay it again."""
        self._run(self.session.toggle_pause)

    def _run(self, command) -> None:
        """A session command, then the view shows the session; a replay that fails is a dialog."""
        try:
            command()
        except StudioError as error:
            self.dialogs.error(self, "Replay failed", str(error))
        self._show_session()

    def _show_session(self) -> None:
        """Draw the session; the timer runs while it plays or replays."""
        session = self.session
        mode = session.mode
        fps = self.spec.fps if mode == Mode.PLAYING else session.replay_fps if mode == Mode.REPLAY else 0.0
        self._timer.run_at(fps)
        self.game.show_session(session, self.speed)

    def _apply_speed(self) -> None:
        self._timer.follow_speed()
        if self.mode == Mode.WAITING:
            self.game.show_card(self.session, self.speed)  # the card states the speed
        if self.session is not None:
            self._update_status()
        self.take_keyboard()

    # ------------------------------------------------------------------ the game loop
    def advance(self) -> None:
        """One timer tick: a game step or a replay step (tests call it directly)."""
        mode = self.mode
        if mode == Mode.PLAYING:
            self._timer.step_pacing.step()
        elif mode != Mode.REPLAY:
            self._timer.stop()
            return
        self._run(self.session.advance)

    def pacing(self) -> dict[str, float]:
        """Intervals between env steps while playing: target, median, p99 and max in ms."""
        return self._timer.pacing(self.spec.fps)

    def _update_status(self) -> None:
        self.game.show_status(self.session, self.speed)

    # ------------------------------------------------------------------ keyboard
    def _on_key_pressed(self, key: int) -> None:
        name = key_name(key)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.keep_episode()
        elif key == Qt.Key.Key_Backspace:
            if self.mode == Mode.FINISHED:
                self.discard_episode()
        elif key == Qt.Key.Key_Escape:
            self.discard_episode()
        elif key == Qt.Key.Key_Space:
            self.toggle_pause()
        elif name == "R":
            self.restart()
        elif name is not None:
            self.session.press(name)
            self._show_session()

    def _on_key_released(self, key: int) -> None:
        name = key_name(key)
        if name is not None and self.session is not None:
            self.session.release(name)
            if self.mode != Mode.PLAYING:
                self._update_status()  # while playing, the next step shows it

    def _on_focus_lost(self) -> None:
        # Key-up events go to whichever widget has the focus now: forget held keys, and pause
        # rather than let the lander fly on with nobody at the controls.
        if self.session is not None:  # None: shut down
            self.session.release_all()
            self._show_session()

    # ------------------------------------------------------------------ replay
    def replay_episode(self, episode: Episode, disc_trace: np.ndarray | None = None) -> None:
        """Replay a listed episode (asks before dropping the episode being played), with D along it if given."""
        if self.has_unsaved_episode and not self._confirm_drop("replay an episode"):
            return
        self._run(lambda: self.session.start_replay(episode, disc_trace))
        self.take_keyboard()

    # ------------------------------------------------------------------ closing
    def _confirm_drop(self, doing: str, also: str = "") -> bool:
        return self.dialogs.confirm(
            self,
            "Drop the current episode?",
            f"The current episode ({count(self.recorder.length, 'step')}, return "
            f"{self.recorder.episode_return:.1f}) has not been kept. Drop it and {doing}? {also}".strip(),
        )

    def confirm_close(self, also: str = "") -> bool:
        """Asks before an unkept episode is lost (``also``: what else closing does); True: may close."""
        return not self.has_unsaved_episode or self._confirm_drop("close", also)

    def shutdown(self) -> None:
        self._timer.stop()
        self.demo_list.empty_trash()
        if self.session is not None:
            self.session.close()
            self.session = None
