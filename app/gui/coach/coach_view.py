"""The Coach view: a run's policy plays; where it goes wrong, take over with the keyboard or a pad,
keep the episode as a correction, and train on the corrections (a new run from this one).

The state machine is ``core.sessions.coach_session.CoachSession``; this view turns key events and
pad readings into its inputs, steps it from a timer at the env's fps (slowed if asked), and says
loudly who is in control. Corrections go to the demo folder the run trained on (the bundled
samples being read-only, to a copy of them in the workspace), and "Train on corrections" trains
on the run's own demos plus the corrections kept there (other episodes in that folder stay out).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.gui.widgets.dialogs import Dialogs
from app.gui.widgets.frame_clock import FrameClock
from app.gui.widgets.frame_view import FrameView
from app.gui.widgets.keys import key_name
from app.gui.widgets.speed_box import SpeedBox
from app.gui.widgets.wording import count
from core.data.demo_set import episode_files, load_demo_set
from core.data.workspace import Workspace
from core.envs.gamepad import PadState, pad_legend
from core.errors import StudioError
from core.paths import sample_demos_dir
from core.sessions.coach_session import HAND_BACK_S, CoachSession, Control
from core.train.runs.layout import run_folders
from core.train.runs.run_dir import RunDir

BANNER = {
    Control.POLICY: ("#1f5fa8", "The POLICY is in control: press a game key (or use the pad) to take over"),
    Control.PERSON: ("#c25400", "YOU are in control: let go to hand back (after half a second), H hands back now"),
}
END_TEXT = (
    "Episode over: return {ret:.1f}, {ending}; you played {steps}. "
    "Enter keeps it as a correction, Backspace discards it."
)


class CoachView(QWidget):
    train_requested = Signal(object, object)  # the run (Path) to start from, the demo folder (Path) to train on
    status_message = Signal(str)

    def __init__(self, workspace: Workspace, dialogs: Dialogs | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.dialogs = dialogs or Dialogs()
        self.session: CoachSession | None = None
        self.run_dir: Path | None = None
        self.folder: Path | None = None  # where corrections go
        self.paused = False
        self.finished = False  # the episode ended: keep or discard
        self.pad_name = ""
        self.corrections = (0, 0)  # in the folder: files, and the steps the person played in them
        self._samples_to_copy: str | None = None  # the env whose samples the first keep copies
        self._active = False
        self._clock = FrameClock(
            self.advance,
            lambda: self.session.spec.fps * self.speed_box.speed,
            lambda: self._active and self.session is not None,
            self,
        )
        self._build()
        self.refresh_runs()

    def _build(self) -> None:
        self._run_combo = QComboBox()
        self._run_combo.setMinimumContentsLength(24)
        self._run_combo.activated.connect(lambda index: self._pick(self._run_combo.itemData(index)))
        self.speed_box = SpeedBox()
        self.speed_box.speed_changed.connect(self.frame_view_focus)
        self.speed_box.speed_changed.connect(self._apply_speed)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Coach the policy of"))
        bar.addWidget(self._run_combo)
        bar.addWidget(self.speed_box)
        bar.addStretch(1)
        self.banner = QLabel()
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.frame_view = FrameView(takes_keyboard=True)
        self.frame_view.key_pressed.connect(self._on_key_pressed)
        self.frame_view.key_released.connect(self._on_key_released)
        self.frame_view.focus_lost.connect(lambda: self.session and self.session.release_all())
        self.info = QLabel("Pick a run with a checkpoint: its policy plays here.")
        self.info.setWordWrap(True)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.keep_button = QPushButton("Keep correction (Enter)")
        self.discard_button = QPushButton("Discard (Backspace)")
        self.train_button = QPushButton("Train on corrections")
        self.train_button.setToolTip("A new run from this run's policy and D, on its demos plus your corrections")
        for button in (self.keep_button, self.discard_button, self.train_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays with the game
        self.keep_button.clicked.connect(self.keep)
        self.discard_button.clicked.connect(self.discard)
        self.train_button.clicked.connect(self._train)
        buttons = QHBoxLayout()
        for button in (self.keep_button, self.discard_button, self.train_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.frame_view, 1)
        layout.addWidget(self.info)
        layout.addWidget(self.legend)
        layout.addLayout(buttons)
        self._show_legend()
        self._show_state()

    # ------------------------------------------------------------------ runs
    def set_workspace(self, workspace: Workspace) -> None:
        """Another workspace: the run coached so far belongs to the last one."""
        if self.session is not None:
            self.session.close()
        self.workspace, self.session, self.run_dir, self.folder = workspace, None, None, None
        self.finished = False
        self.frame_view.set_frame(None)
        self.refresh_runs()
        self._show_state()

    def refresh_runs(self) -> None:
        self._run_combo.clear()
        for run_dir in run_folders(self.workspace.runs_dir):
            with contextlib.suppress(StudioError, OSError):  # a broken run folder is not listed
                if RunDir(run_dir).latest_checkpoint() is not None:
                    self._run_combo.addItem(run_dir.name, str(run_dir))
        if self._run_combo.count() == 0:
            self._run_combo.addItem("no runs yet", None)
        if self.run_dir is not None:
            self._run_combo.setCurrentIndex(max(0, self._run_combo.findData(str(self.run_dir))))

    def _pick(self, data: object) -> None:
        if data and Path(str(data)) != self.run_dir:
            self.set_run(Path(str(data)))

    def set_run(self, run_dir: Path) -> bool:
        """Coach ``run_dir``'s latest policy; a run that cannot be played says why. True when set."""
        try:
            run = RunDir(run_dir)
            env = run.config().env
            folder = run.demos_folder()
            # Bundled samples (read-only, shared): the corrections go to the workspace's demos, with
            # a copy of the samples they correct (asked at the first keep), to train together.
            on_samples = folder.exists() and folder.resolve() == sample_demos_dir(env).resolve()
            if on_samples:
                folder = self.workspace.demos_dir(env)
            elif not folder.is_dir() or not os.access(folder, os.W_OK):
                raise StudioError(f"its demo folder {folder} is gone or read-only: corrections could not be kept")
            session = CoachSession.from_run(run_dir, folder)
        except (StudioError, OSError) as error:
            self.info.setText(f"Cannot coach {Path(run_dir).name}: {error}")
            return False
        if self.session is not None:
            self.session.close()
        self.session, self.run_dir, self.folder = session, Path(run_dir), folder
        self._samples_to_copy = env if on_samples else None
        self.finished = self.paused = False
        self.speed_box.show_env(env)
        self._apply_speed()
        self.refresh_runs()
        self._count_corrections()
        self._show_legend()
        self._show_state()
        self._clock.sync()
        return True

    # ------------------------------------------------------------------ input
    def frame_view_focus(self) -> None:
        if self.isVisible():
            self.frame_view.setFocus()

    def _apply_speed(self) -> None:
        """The half second of grace after letting go is real time: fewer steps in slow motion."""
        if self.session is not None:
            self.session.hand_back_steps = max(1, round(HAND_BACK_S * self.session.spec.fps * self.speed_box.speed))

    def _on_key_pressed(self, key: int) -> None:
        name = key_name(key)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.keep()
        elif key == Qt.Key.Key_Backspace:
            self.discard()
        elif name == "Space":
            self.paused = not self.paused
            self._show_state()
        elif name == "H" and self.session is not None:
            self.session.hand_back()
            self._show_state()
        elif name is not None and self.session is not None and not self.finished:
            self.session.press(name)
            self._show_state()

    def _on_key_released(self, key: int) -> None:
        name = key_name(key)
        if name is not None and self.session is not None:
            self.session.release(name)

    def set_pad_state(self, state: PadState) -> None:
        """A pad reading (from ``GamepadPoller``, or a test): any input takes over, like a key."""
        if self.session is not None:  # kept while an episode is over too: it is the pad's state
            self.session.set_pad(state)
            self._show_state()

    def set_pad_name(self, name: str) -> None:
        self.pad_name = name
        self._show_legend()

    # ------------------------------------------------------------------ playing
    def set_active(self, active: bool) -> None:
        self._active = active
        if active and self.session is None:
            self._pick(self._run_combo.currentData())  # the newest run, when there is one
        if active:
            self.frame_view_focus()
        self._clock.sync()

    def advance(self) -> None:
        """One step of the game (nothing while paused or waiting for keep / discard)."""
        session = self.session
        if session is None or self.paused or self.finished:
            return
        step = session.step()
        self.frame_view.set_frame(session.frame)
        if step.done:
            if session.person_steps:
                self.finished = True  # the person decides: keep or discard
            else:
                session.reset()  # nothing of the person's to keep: the next episode
        self._show_state(step.control)

    def keep(self) -> None:
        if self.session is None or not self.finished:
            return
        if self._samples_to_copy and not self._samples_in_folder() and not self._copy_samples_first():
            return
        try:
            path = self.session.keep()
        except (StudioError, OSError) as error:
            self.dialogs.error(self, "Cannot keep the correction", str(error))
            return
        if path is not None:
            self.status_message.emit(f"kept correction {path.name}")
        self._count_corrections()
        self._next_episode()

    def _samples_in_folder(self) -> bool:
        """Copied already ("Copy samples into my demos"): nothing to ask."""
        samples = episode_files(sample_demos_dir(self._samples_to_copy))
        return all((self.folder / path.name).exists() for path in samples)

    def _copy_samples_first(self) -> bool:
        """The run trained on the bundled samples: ask to copy them beside the corrections."""
        env = self._samples_to_copy
        question = (
            f"This run trained on the bundled sample demos, which are read-only. Your corrections go into "
            f"your demos ({self.folder}), with a copy of the samples they correct, so that both train "
            "together. Copy the samples there now?"
        )
        if not self.dialogs.confirm(self, "Keep the correction", question):
            return False
        try:
            self.workspace.copy_samples(env)
        except (StudioError, OSError) as error:
            self.dialogs.error(self, "Cannot copy the samples", str(error))
            return False
        self._samples_to_copy = None
        return True

    def discard(self) -> None:
        if self.session is not None and self.finished:
            self.session.discard()
            self._next_episode()

    def _next_episode(self) -> None:
        self.finished = False
        self.session.reset()
        self.frame_view.set_frame(self.session.frame)
        self._show_state()

    def _train(self) -> None:
        if self.run_dir is not None:
            self.train_requested.emit(self.run_dir, self.folder)

    # ------------------------------------------------------------------ texts
    def _count_corrections(self) -> None:
        """Read the folder (on a new run and after a keep: not every frame)."""
        self.corrections = (0, 0)
        if self.folder is not None and self.folder.is_dir():
            try:
                found = load_demo_set(self.folder).corrections
            except StudioError:
                return
            self.corrections = (len(found), sum(episode.demonstrated_steps for episode in found))

    def _show_state(self, control: Control | None = None) -> None:
        session = self.session
        control = control or (session.control if session else Control.POLICY)
        colour, text = BANNER[control]
        if session is not None and self.finished:
            colour, text = "#444", "Episode over: Enter keeps your correction, Backspace discards it"
        elif session is not None and self.paused:
            text = "Paused: Space continues"
        if self.banner.text() != text:  # once per change, not per frame: a style sheet re-polishes
            self.banner.setText(text)
            self.banner.setStyleSheet(f"background: {colour}; color: white; font-weight: bold; padding: 6px;")
        self.frame_view.set_caption("you" if control is Control.PERSON else "policy")
        self.keep_button.setEnabled(self.finished)
        self.discard_button.setEnabled(self.finished)
        corrections, steps = self.corrections
        self.train_button.setEnabled(self.run_dir is not None and corrections > 0)
        if session is None:
            return
        if self.finished:
            ending = session.ending().text
            self.info.setText(
                END_TEXT.format(ret=session.episode_return, ending=ending, steps=count(session.person_steps, "step"))
            )
        else:
            self.info.setText(
                f"Episode step {session.length}, return {session.episode_return:.0f}; you took over "
                f"{count(session.takeovers, 'time')}, {count(session.person_steps, 'step')}. "
                f"{count(corrections, 'correction')} ({count(steps, 'step')} you played) in {self.folder}."
            )

    def _show_legend(self) -> None:
        """The keys, and the pad's mapping while one is connected (on a new run or pad, not per frame)."""
        pad = ""
        if self.pad_name and self.session is not None:
            rows = ", ".join(f"{what}: {does}" for what, does in pad_legend(self.session.spec))
            pad = f" Pad ({self.pad_name}): {rows}."
        self.legend.setText(f"Keys: the game's keys take over, H hands back, Space pauses.{pad}")

    def shutdown(self) -> None:
        self._clock.stop()
        if self.session is not None:
            self.session.close()
