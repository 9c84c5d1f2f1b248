"""The Record view's game timer: ticks at the env's rate times the speed, and how evenly the steps come."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

from app.gui.record.step_pacing import StepPacing


class GameTimer(QTimer):
    def __init__(self, speed: Callable[[], float], parent: QObject) -> None:
        super().__init__(parent)
        self.setTimerType(Qt.TimerType.PreciseTimer)
        self._speed = speed
        self.fps = 0.0  # the env rate it ticks at, before the speed (0: stopped)
        self.step_pacing = StepPacing()

    def run_at(self, fps: float) -> None:
        """Tick at ``fps`` times the speed, or stop at 0; a change of rate is not a step interval."""
        if fps == self.fps:
            return
        self.fps = fps
        self.step_pacing.pause()
        if fps:
            self._start()
        else:
            self.stop()

    def follow_speed(self) -> None:
        """The speed changed: tick at the new one; intervals measured at the old one no longer count."""
        if self.isActive():
            self._start()
        self.step_pacing.restart()

    def pacing(self, play_fps: float) -> dict[str, float]:
        """Intervals between game steps at ``play_fps``: target, median, p99 and max in ms."""
        return self.step_pacing.figures(1000.0 / (play_fps * self._speed()))

    def _start(self) -> None:
        self.start(max(1, round(1000.0 / (self.fps * self._speed()))))
