"""A view's frame clock: calls ``tick`` at the env's rate while ``running()`` says so.

A single-shot precise timer re-armed for the next frame's due time, not a repeating one: a late
tick (the training process or a redraw held the GUI thread) shortens the next wait, so the mean
rate stays at the target; at most one frame is ever made up.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer


class FrameClock(QObject):
    def __init__(
        self, tick: Callable[[], None], rate: Callable[[], float], running: Callable[[], bool], parent: QObject
    ) -> None:
        super().__init__(parent)
        self._tick, self._rate, self._running = tick, rate, running
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer)
        self._next_due = 0.0

    def sync(self) -> None:
        """Start or stop as ``running()`` says now (call it when what it reads changes)."""
        if self._running():
            if not self._timer.isActive():
                self._next_due = time.perf_counter()
                self._timer.start(0)
        else:
            self._timer.stop()

    def stop(self) -> None:
        self._timer.stop()

    def _on_timer(self) -> None:
        self._tick()
        if not self._running():
            return
        period = 1.0 / self._rate()
        now = time.perf_counter()
        self._next_due = max(self._next_due + period, now - period)  # never bank more than one frame
        self._timer.start(max(0, round((self._next_due - now) * 1000)))
