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
        if kind == "loguniform" or (values and min(v for v, _, _ in values) > 0 and _spans_decades(values)):
            plot.setLogMode(x=True, y=False)
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


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _spans_decades(values: list) -> bool:
    numbers = [float(v) for v, _, _ in values]
    return max(numbers) / min(numbers) >= 30
