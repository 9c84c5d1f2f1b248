"""A sweep's results: ``results.csv`` (a row per trial) and ``sweep.png`` (the metric against each
swept setting, one panel per setting, early-stopped trials hollow)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from app.bench.report import COLOURS, offscreen_app
from app.bench.sweep import SweepResult
from app.bench.sweep_spec import METRIC


def write_results(result: SweepResult, out: Path) -> tuple[Path, Path]:
    table = out / "results.csv"
    columns = list(result.rows[0]) if result.rows else ["trial", "status", METRIC]
    with open(table, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(result.rows)
    plot = out / "sweep.png"
    _plot(result, plot)
    return table, plot


def _plot(result: SweepResult, path: Path) -> None:
    offscreen_app()
    import pyqtgraph as pg
    import pyqtgraph.exporters as exporters

    names = list(result.spec.search)
    layout = pg.GraphicsLayoutWidget()
    layout.setBackground("w")
    layout.resize(max(420 * len(names), 600), 420)
    for index, name in enumerate(names):
        plot = layout.addPlot(row=0, col=index, title=f"against {name}")
        plot.setLabel("bottom", name)
        plot.getAxis("bottom").enableAutoSIPrefix(False)  # the setting's own numbers
        plot.setLabel("left", "normalised evaluation return")
        kind = next(iter(result.spec.search[name]))
        values = [(row[name], row[METRIC], row["status"]) for row in result.rows if _number(row[name])]
        log = kind == "loguniform" or (values and min(v for v, _, _ in values) > 0 and _spans_decades(values))
        if log:
            plot.setLogMode(x=True, y=False)
        numbers = [float(v) for v, _, _ in values]
        # A grid's values labelled as written; a random search on a log axis at 1-2-5 steps (log
        # mode labels every minor tick, and the labels ran together); else the axis's own ticks.
        ticks = (
            setting_ticks(numbers, log) if kind in ("grid", "choice") else (nice_log_ticks(numbers) if log else None)
        )
        if ticks:
            plot.getAxis("bottom").setTicks([ticks, []])
        # The points at the ends stay whole, and so do their labels (else hidden at the axis's ends).
        plot.getViewBox().setDefaultPadding(0.08)
        plot.getAxis("bottom").setStyle(hideOverlappingLabels=False)
        for status, hollow in (("finished", False), ("stopped early", True)):
            points = [(float(v), float(m)) for v, m, s in values if s == status and math.isfinite(float(m))]
            if points:
                colour = COLOURS[0]
                plot.plot(
                    [p[0] for p in points],
                    [p[1] for p in points],
                    pen=None,
                    symbol="o",
                    symbolSize=9,
                    symbolPen=pg.mkPen(colour, width=2),
                    symbolBrush=None if hollow else colour,
                )
    exporter = exporters.ImageExporter(layout.ci)  # the plots' own item: the whole of every panel
    exporter.parameters()["width"] = layout.width()
    exporter.export(str(path))


def setting_ticks(values: list[float], log: bool, most: int = 8) -> list[tuple[float, str]] | None:
    """One labelled tick per distinct swept value (at log10 of it on a log axis), or None to leave
    the axis its own ticks when there are more than ``most`` (random search)."""
    distinct = sorted(set(values))
    if not distinct or len(distinct) > most:
        return None
    return [(math.log10(value) if log else value, f"{value:g}") for value in distinct]


def nice_log_ticks(values: list[float]) -> list[tuple[float, str]]:
    """Ticks at 1, 2 and 5 times a power of ten within the values' range, at log10 of each."""
    if not values:
        return []
    low, high = min(values), max(values)
    ticks = []
    for power in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for step in (1, 2, 5):
            value = step * 10.0**power
            if low <= value <= high:
                ticks.append((math.log10(value), f"{value:g}"))
    return ticks


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _spans_decades(values: list) -> bool:
    numbers = [float(v) for v, _, _ in values]
    return max(numbers) / min(numbers) >= 30
