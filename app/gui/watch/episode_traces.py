"""The Watch view's two plots along one episode: D(s_t, a_t), and the running return of the
policy beside a demonstration's and the demos' mean. Redrawn by the view at about 10 Hz."""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QWidget

from app.gui.widgets.plots import BLUE, GREEN, GREY, ORANGE


class EpisodeTraces(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Short enough for a third of the view at 1280 px (the overlay sits beside it); the scale's
        # meaning goes on the axis.
        self.trace_plot = pg.PlotWidget(title="D(s_t, a_t) along the episode")
        self.trace_plot.setLabel("left", "D (1 = like the demos)")
        self.trace_plot.setYRange(0, 1)
        self.trace_plot.setLabel("bottom", "time step t")
        self.d_curve = self.trace_plot.plot([], [], pen=pg.mkPen(ORANGE, width=2))
        # The legend in a row under the plot, not over the curve it names.
        return_widget = pg.GraphicsLayoutWidget()
        self.return_plot = return_widget.addPlot(row=0, col=0, title="Running return")
        self.return_plot.setLabel("bottom", "time step t")
        # The legend names only what is drawn; the mean line is named there, not by a label on
        # the line, which sat over the curves whenever they crossed it. Two to a row: three were
        # wider than a third of a 1400 px window.
        self._legend = pg.LegendItem(colCount=2, labelTextSize="8pt", frame=False, horSpacing=12)
        return_widget.addItem(self._legend, row=1, col=0)
        self._return_curve = self.return_plot.plot([], [], pen=pg.mkPen(BLUE, width=2))
        self._demo_return_curve = self.return_plot.plot(
            [], [], pen=pg.mkPen(GREEN, width=2, style=Qt.PenStyle.DashLine)
        )
        line_pen = pg.mkPen(GREY, style=Qt.PenStyle.DotLine)
        self._demo_line = pg.InfiniteLine(angle=0, pen=line_pen)
        self._demo_line.hide()
        self._demo_line_sample = pg.PlotDataItem([], [], pen=line_pen)  # its legend entry's sample
        # Auto-range ignores infinite lines: an invisible point above the line keeps it in view
        # when the returns stay below.
        self._line_room = self.return_plot.plot([], [], pen=None)
        self.return_plot.addItem(self._demo_line)
        self._mean: float | None = None
        self._legend_entries: tuple[str, ...] = ()
        self._refresh_legend()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.trace_plot)
        layout.addWidget(return_widget)

    def show_policy(self, t: Sequence[int], d_values: Sequence[float], returns: Sequence[float]) -> None:
        """The policy's episode so far: D at each step and the return up to it."""
        self.d_curve.setData(t, d_values)
        self._return_curve.setData(t, returns)

    def show_demo(self, t: Sequence[int], returns: Sequence[float]) -> None:
        """The demonstration's return so far (empty sequences clear it)."""
        self._demo_return_curve.setData(t, returns)
        self._refresh_legend()

    def legend_labels(self) -> tuple[str, ...]:
        """What the return plot's legend lists, in its order."""
        return self._legend_entries

    def _refresh_legend(self) -> None:
        entries = [(self._return_curve, "policy")]
        if self._demo_return_curve.xData is not None and len(self._demo_return_curve.xData):
            entries.append((self._demo_return_curve, "demonstration (same start)"))
        if self._mean is not None:
            entries.append((self._demo_line_sample, "demos' mean return"))
        labels = tuple(label for _, label in entries)
        if labels != self._legend_entries:  # rebuilt only on a change: show_demo runs at 10 Hz
            self._legend.clear()
            for item, label in entries:
                self._legend.addItem(item, label)
            self._legend_entries = labels

    def set_demos_mean(self, value: float | None) -> None:
        """The demos' mean return as a dotted line (None hides it)."""
        self._mean = value
        if value is None:
            self._demo_line.hide()
            self._line_room.setData([], [])
        else:
            self._demo_line.setValue(value)
            self._demo_line.show()
            self._line_room.setData([0], [value + 0.05 * max(abs(value), 10.0)])
        self._refresh_legend()
