"""D along a replayed demo: a strip under the game with a cursor at the step on screen.

Shown only while a demo that a run's D has scored is replayed; a person sees where in their
episode D stopped finding it expert-like (the dip is usually the slip or the crash).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from core.sessions.recording_session import REPLAYING, RecordingSession

STRIP_HEIGHT = 90


class DiscTrace(pg.PlotWidget):
    """D(s_t, a_t) over the replayed episode, 0..1, with the current step marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedHeight(STRIP_HEIGHT)
        self.setBackground("w")
        self.setYRange(0.0, 1.0, padding=0.05)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMenuEnabled(False)
        self.getPlotItem().setLabel("left", "D")
        self._curve = self.plot(pen=pg.mkPen("#1f77b4", width=2))
        self._cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#d62728"))
        self.addItem(self._cursor)
        self._shown: np.ndarray | None = None
        self.hide()

    def show_for(self, session: RecordingSession) -> None:
        """Follow the session: visible during a scored replay, the cursor on its step."""
        trace = session.replay_disc if session.mode in REPLAYING else None
        if trace is None:
            self.hide()
            self._shown = None
            return
        if self._shown is not trace:
            self._shown = trace
            self._curve.setData(np.arange(len(trace)), trace)
            self.setXRange(0, max(1, len(trace) - 1), padding=0.01)
        self._cursor.setPos(max(0, session.replay_step))
        self.show()

    @property
    def cursor_step(self) -> int:
        return round(self._cursor.value())
