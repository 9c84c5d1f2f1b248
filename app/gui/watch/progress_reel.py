"""The progress reel: the same episode, from the same start, played side by side by the policy as
it was at 0, 25, 50 and 100 % of training (the run's kept snapshots nearest those points), so a
person sees hovering turn into landing. A window of its own, opened from the Watch view."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from app.gui.widgets.frame_clock import FrameClock
from app.gui.widgets.frame_view import FrameView
from core.errors import CheckpointError
from core.sessions.playback import PlayStep, PolicyPlayer
from core.train.runs.run_dir import RunDir
from core.train.settings.seeds import WATCH_SEED_BASE

FRACTIONS = (0.0, 0.25, 0.5, 1.0)
END_PAUSE_FRAMES = 40  # every policy's last frame stays up this long before the next episode


def reel_steps(steps: list[int]) -> list[int]:
    """The kept steps nearest 0, 25, 50 and 100 % of the last one, each once (a run that kept
    only two or three snapshots gets as many panels, not the same policy under two labels)."""
    last = steps[-1]
    nearest = [min(steps, key=lambda step, f=fraction: abs(step - f * last)) for fraction in FRACTIONS]
    return list(dict.fromkeys(nearest))


class ProgressReel(QWidget):
    def __init__(self, run_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # each click opens a new reel: closed ones go
        run = RunDir(Path(run_dir))
        config = run.config()
        steps = run.snapshot_steps()
        if len(steps) < 2:
            raise CheckpointError(f"{run.path}: keeps no policy snapshots to compare (trained before the timeline)")
        self.setWindowTitle(f"Progress reel: {run.path.name}")
        self.steps = reel_steps(steps)
        self.unit = config.progress_unit
        self.players: list[PolicyPlayer] = []
        self.frames: list[FrameView] = []
        grid = QGridLayout()
        for index, step in enumerate(self.steps):
            try:
                policy = run.load_snapshot(step)
            except CheckpointError:
                for made in self.players:  # the envs made so far
                    made.close()
                raise
            player = PolicyPlayer(config)
            player.policy = policy
            self.players.append(player)
            frame = FrameView(takes_keyboard=False)
            self.frames.append(frame)
            grid.addWidget(frame, index // 2, index % 2)
        self.info = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addLayout(grid, 1)
        self.seed = WATCH_SEED_BASE
        self.returns = [0.0] * len(self.players)
        self.finished = [False] * len(self.players)
        self._pause = 0
        self._clock = FrameClock(self.advance, lambda: float(self.players[0].spec.fps), self.isVisible, self)
        # Within the screen, title bar and panels included (1000x680 fits 1280x800; a 768 px high
        # screen with a panel left less than that).
        room = self.screen().availableGeometry()
        self.resize(min(1000, room.width() - 40), min(680, room.height() - 80))
        self.start_episode()

    def start_episode(self) -> None:
        """Every policy from the same reset seed: the same terrain and start."""
        for index, player in enumerate(self.players):
            self.frames[index].set_frame(player.reset(seed=self.seed))
            self._caption(index, 0, 0.0)
        self.returns = [0.0] * len(self.players)
        self.finished = [False] * len(self.players)
        self.info.setText(f"Episode from reset seed {self.seed}: the policy at {self._percents()} of training.")

    def advance(self) -> None:
        if self._pause:
            self._pause -= 1
            if self._pause == 0:
                self.seed += 1
                self.start_episode()
            return
        for index, player in enumerate(self.players):
            if self.finished[index]:
                continue  # its last frame stays until every policy is done
            step: PlayStep = player.step()
            self.frames[index].set_frame(step.frame)
            self.returns[index] = step.episode_return
            self.finished[index] = step.done
            self._caption(index, step.t + 1, step.episode_return)
        if all(self.finished):
            self._pause = END_PAUSE_FRAMES

    def _caption(self, index: int, t: int, episode_return: float) -> None:
        percent = self._percent(self.steps[index])
        done = " · done" if self.finished[index] else ""
        self.frames[index].set_caption(
            f"{percent} % · {self.steps[index]:,} {self.unit} · t {t} · return {episode_return:.0f}{done}"
        )

    def _percent(self, step: int) -> int:
        """How far into training ``step`` is: the panels say where their policy really was."""
        return round(100 * step / max(self.steps[-1], 1))

    def _percents(self) -> str:
        return ", ".join(f"{self._percent(step)} %" for step in self.steps)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._clock.sync()

    def closeEvent(self, event) -> None:
        self._clock.stop()
        for player in self.players:
            player.close()
        super().closeEvent(event)
