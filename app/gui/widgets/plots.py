"""The live training plots: six pyqtgraph panels fed with ``IterationStats`` scalars.

Each panel draws a few scalars against env steps (epochs for BC). Points go into bounded
``DecimatingSeries``; curves are redrawn at most 10 times a second, only when new data came.
A second run can be drawn dashed for comparison. Each panel's legend is a second line of its
title (a coloured dash and a name per curve), never over the curves and without rows of its own
that would squeeze the plots.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer
from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from app.gui.widgets.elided_label import ElidedLabel
from app.gui.widgets.series import DecimatingSeries
from app.gui.widgets.step_axis import StepAxis
from core.train.metrics import METRICS
from core.train.settings.config import TrainConfig

pg.setConfigOptions(background="w", foreground="#222", antialias=True)

BLUE, ORANGE, GREEN, RED, PURPLE, GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#555555"


@dataclass(frozen=True)
class Curve:
    key: str  # the scalar's name in IterationStats.scalars
    label: str
    colour: str
    points: bool = False  # sparse values (periodic evaluations) get markers


@dataclass(frozen=True)
class Panel:
    title: str
    curves: tuple[Curve, ...]
    reference: str | None = None  # a horizontal line: "demo_return" or "demo_length"
    y_range: tuple[float, float] | None = None


PANELS = (
    Panel(
        "D(s,a): expert vs policy samples",
        (
            Curve("disc_expert", "expert", BLUE),
            Curve("disc_policy", "policy", ORANGE),
            Curve("disc_end_expert", "demos' endings", GREEN),
            Curve("disc_end_policy", "policy's endings", RED),
        ),
        y_range=(0.0, 1.0),
    ),
    Panel(
        "D's loss and accuracy",
        (Curve("disc_loss", "loss", RED), Curve("disc_accuracy", "accuracy", GREEN)),
    ),
    Panel(
        "True env return",
        (
            Curve("train_return", "training", BLUE),
            Curve("eval_return", "evaluation", GREEN, points=True),
        ),
        reference="demo_return",
    ),
    Panel(
        "Episode length",
        (Curve("train_length", "training", BLUE), Curve("eval_length", "evaluation", GREEN, points=True)),
        reference="demo_length",
    ),
    Panel(
        "Policy update",
        (
            Curve("approx_kl", "KL", PURPLE),
            Curve("clip_fraction", "clip fraction", ORANGE),
            Curve("kl_beta", "beta", RED),
            Curve("trpo_step_fraction", "TRPO step fraction", GREEN),
            Curve("bc_loss", "BC loss", GREY),
        ),
    ),
    Panel(
        "Entropy and imitation reward u",
        (Curve("entropy", "entropy", PURPLE), Curve("imitation_reward", "mean reward u", BLUE)),
    ),
)
REFERENCE_LABELS = {"demo_return": "demos' mean return", "demo_length": "demos' mean length"}
REDRAW_INTERVAL_MS = 100
READOUT_IDLE = "Hover over a plot to read its values."
COMPARED_LABEL = "compared run"


class PanelTitle(pg.LabelItem):
    """A panel's title that asks for no width: pyqtgraph's labels ask for their text's width,
    and a wide title (with its legend line) pushed the other column off the window's edge. Here
    the two columns share the width alike and a narrow window cuts the title instead."""

    def __init__(self, text: str) -> None:
        super().__init__(text, size="10pt", justify="left")
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)  # cut, never overlap

    def updateMin(self) -> None:
        height = self.itemRect().height()
        self.setMinimumSize(0, height)
        self._sizeHint = {
            Qt.SizeHint.MinimumSize: (0, height),
            Qt.SizeHint.PreferredSize: (0, height),
            Qt.SizeHint.MaximumSize: (-1, -1),
            Qt.SizeHint.MinimumDescent: (0, 0),
        }
        self.updateGeometry()


def panel_tooltip(panel: Panel) -> str:
    """What each of a panel's curves measures, in the words ``core.train.metrics`` declares (a
    curve of an undeclared key fails here, when the plots are built)."""
    return "\n".join(f"{curve.label}: {METRICS[curve.key].meaning}" for curve in panel.curves)


def _titled(title: str, entries: list[tuple[str, str, str]]) -> str:
    """A panel's title over a line of legend entries (colour, mark, label); the line is there,
    empty, before data arrives, so that the plots do not move when it fills."""
    legend = "&nbsp;&nbsp;".join(
        f"<span style='color:{colour}'>{mark}{mark}</span>&nbsp;{label}" for colour, mark, label in entries
    )
    return f"{title}<br><span style='font-size:8pt'>{legend or '&nbsp;'}</span>"


class LivePlots(QWidget):
    """A 3 x 2 grid of panels with a hover readout underneath."""

    def __init__(self, parent: QWidget | None = None, capacity: int = 2000) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self.x_key = "env_steps"
        self.series: dict[str, DecimatingSeries] = {}
        self.compare_series: dict[str, DecimatingSeries] = {}
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._compare_curves: dict[str, pg.PlotDataItem] = {}
        self._references: dict[str, pg.InfiniteLine] = {}
        self.compare_name = ""
        self._plots: list[tuple[pg.PlotItem, Panel]] = []
        self._legend_shown: list[tuple[str, ...]] = []  # per panel: the entries its title lists
        self._titles: list[PanelTitle] = []
        self._dirty = False
        self._changed: set[str] = set()  # series with new points since the last redraw
        self._compare_changed = False
        self.redraws = 0
        self.layout_widget = pg.GraphicsLayoutWidget()
        for index, panel in enumerate(PANELS):
            row, col = 2 * (index // 2), index % 2
            title = PanelTitle(_titled(panel.title, []))
            self.layout_widget.addItem(title, row=row, col=col)
            plot = self.layout_widget.addPlot(row=row + 1, col=col, axisItems={"bottom": StepAxis("bottom")})
            # No grid: translucent grid lines made one repaint of the six panels take 60 ms
            # instead of 14 (measured offscreen), which the GUI thread cannot afford at 10 Hz.
            plot.setLabel("bottom", "env steps")
            plot.hideButtons()  # one item less to paint; right-click still offers "View All"
            if panel.y_range:
                plot.setYRange(*panel.y_range)
            plot.setToolTip(panel_tooltip(panel))
            for curve in panel.curves:
                pen = pg.mkPen(curve.colour, width=2)
                symbol = {"symbol": "o", "symbolSize": 5, "symbolBrush": curve.colour} if curve.points else {}
                # Named (and so in the legend) only once data arrives: a PPO run has no beta.
                self._curves[curve.key] = plot.plot([], [], pen=pen, **symbol)
                compare_pen = pg.mkPen(curve.colour, width=1, style=Qt.PenStyle.DashLine)
                self._compare_curves[curve.key] = plot.plot([], [], pen=compare_pen)
            if panel.reference:
                line = pg.InfiniteLine(
                    angle=0,
                    pen=pg.mkPen(GREY, width=1.5, style=Qt.PenStyle.DashLine),
                    label=REFERENCE_LABELS[panel.reference],
                    # At the right end, where the curves arrive last; on the side of the line that
                    # faces the middle of the plot (above it, it was cut off when the line was the
                    # highest thing drawn).
                    labelOpts={"position": 0.98, "color": GREY, "anchors": [(1, 0), (1, 1)]},
                )
                line.hide()
                plot.addItem(line, ignoreBounds=False)
                self._references[panel.reference] = line
            self._plots.append((plot, panel))
            self._titles.append(title)
            self._legend_shown.append(())
        grid = self.layout_widget.ci.layout
        grid.setColumnStretchFactor(0, 1)
        grid.setColumnStretchFactor(1, 1)
        self.layout_widget.scene().sigMouseMoved.connect(self._hover)
        self.layout_widget.viewport().installEventFilter(self)
        self.readout = ElidedLabel(READOUT_IDLE)
        # The compared run is named here, not in the legends: a run's name there widened a column.
        self.compare_label = ElidedLabel()
        self.clear_compare_button = QPushButton("Clear comparison")
        self.clear_compare_button.clicked.connect(lambda: self.set_comparison(None))
        compare_row = QHBoxLayout()
        compare_row.addWidget(self.compare_label, 1)
        compare_row.addWidget(self.clear_compare_button)
        self.compare_label.hide()
        self.clear_compare_button.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(compare_row)
        layout.addWidget(self.layout_widget, 1)
        layout.addWidget(self.readout)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._redraw_if_dirty)
        self._timer.start(REDRAW_INTERVAL_MS)

    # ------------------------------------------------------------------ data in
    def clear(self, x_key: str = "env_steps", x_extent: float | None = None) -> None:
        """Forget the curves; with ``x_extent`` the x axis is fixed to [0, x_extent].

        A fixed x axis (the run's total steps) is not re-laid out on every update, which halves
        the cost of a repaint; without it the axis follows the data.
        """
        self.x_key = x_key
        self._changed.update(self.series)
        self.series.clear()
        for plot, _ in self._plots:
            if x_extent:
                plot.disableAutoRange(axis="x")
                plot.setXRange(0, x_extent, padding=0.01)
            else:
                plot.enableAutoRange(axis="x")
        for plot, _ in self._plots:
            plot.setLabel("bottom", "env steps" if x_key == "env_steps" else "BC epochs")
        self._dirty = True

    def reset(self) -> None:
        """Nothing drawn: no curves, no compared run, no demos' means (another workspace)."""
        self.set_comparison(None)
        self.set_references(None, None)
        self.clear()

    def clear_for(self, config: TrainConfig) -> None:
        """Forget the curves and lay the x axis out for ``config``'s run: env steps, or BC epochs."""
        bc = config.algo == "bc"
        self.clear("iteration" if bc else "env_steps", config.bc_epochs if bc else config.total_steps)

    def set_references(self, demo_return: float | None, demo_length: float | None) -> None:
        """Horizontal lines at the demos' mean return and mean length (None hides one)."""
        values = {"demo_return": demo_return, "demo_length": demo_length}
        for key, line in self._references.items():
            value = values[key]
            if value is None or not np.isfinite(value):
                line.hide()
            else:
                line.setValue(float(value))
                line.show()

    def add_records(self, records: Iterable[Mapping[str, float]]) -> None:
        """Append metrics records (an ``IterationStats`` flattened, or a ``metrics.jsonl`` line)."""
        self._changed.update(self._append(records, self.series))
        self._dirty = True

    def set_comparison(self, records: Iterable[Mapping[str, float]] | None, name: str = "") -> None:
        """Draw another run's curves dashed, named ``name`` in the legends (None removes them)."""
        self.compare_series.clear()
        self._append(records or (), self.compare_series)
        self.compare_name = name if records is not None else ""
        self.compare_label.setText(f"Dashed curves: run {self.compare_name}")
        self.compare_label.setVisible(records is not None)
        self.clear_compare_button.setVisible(records is not None)
        self._compare_changed = True
        self._dirty = True

    def _append(self, records: Iterable[Mapping[str, float]], into: dict[str, DecimatingSeries]) -> set[str]:
        """Add the plotted, finite scalars of ``records`` to ``into``; returns the keys touched."""
        touched: set[str] = set()
        for record in records:
            x = record.get(self.x_key)
            if x is None:
                continue
            for key, value in record.items():
                if key in self._curves and value is not None and np.isfinite(value):
                    into.setdefault(key, DecimatingSeries(self.capacity)).append(x, value)
                    touched.add(key)
        return touched

    # ------------------------------------------------------------------ drawing
    def _redraw_if_dirty(self) -> None:
        if self._dirty:
            self.redraw()

    def redraw(self) -> None:
        self._dirty = False
        self.redraws += 1
        for key in self._changed:
            curve, series = self._curves[key], self.series.get(key)
            curve.setData(*series.arrays()) if series else curve.setData([], [])
        self._changed.clear()
        if self._compare_changed:
            self._compare_changed = False
            for curve_key, curve in self._compare_curves.items():
                series = self.compare_series.get(curve_key)
                curve.setData(*series.arrays()) if series else curve.setData([], [])
                if series:  # the comparison may reach further than the fixed x axis
                    curve.getViewBox().enableAutoRange(axis="x")
        self._refresh_legends()

    def _refresh_legends(self) -> None:
        """Each panel's legend lists its curves that have data, in the panel's order, then the
        compared run's dashed entry; its title is rewritten only when that list changes."""
        for index, (_, panel) in enumerate(self._plots):
            entries = [(curve.colour, "━", curve.label) for curve in panel.curves if curve.key in self.series]
            if any(curve.key in self.compare_series for curve in panel.curves):
                # Short: the Train view names the compared run above the plots.
                entries.append((GREY, "╌", COMPARED_LABEL))
            labels = tuple(label for _, _, label in entries)
            if labels != self._legend_shown[index]:
                self._titles[index].setText(_titled(panel.title, entries))
                self._legend_shown[index] = labels

    def legend_labels(self) -> list[list[str]]:
        """What each panel's legend says, for tests."""
        return [list(labels) for labels in self._legend_shown]

    def point_count(self, key: str) -> int:
        series = self.series.get(key)
        return len(series) if series else 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self.readout.setText(READOUT_IDLE)  # a value shown after the mouse left would mislead
        return super().eventFilter(watched, event)

    def _hover(self, position: QPointF) -> None:
        """Show the values of the panel under the mouse at its x (or the idle text between panels)."""
        for plot, panel in self._plots:
            if plot.vb.sceneBoundingRect().contains(position):
                self._read_out(plot, panel, position)
                return
        self.readout.setText(READOUT_IDLE)

    def _read_out(self, plot: pg.PlotItem, panel: Panel, position: QPointF) -> None:
        x = plot.vb.mapSceneToView(position).x()
        parts = []
        for curve in panel.curves:
            series = self.series.get(curve.key)
            near = series.value_near(x) if series else None
            if near is not None:
                parts.append(f"{curve.label} {near[1]:.4g}")
        where = "step" if self.x_key == "env_steps" else "epoch"
        self.readout.setText(f"{panel.title} at {where} {max(x, 0):,.0f}: " + (", ".join(parts) or "no data yet"))
