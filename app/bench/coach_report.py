"""The coach benchmark's report: coach.md (a table per method and seed) and coach.png (normalised
return against human-controlled steps, the median over seeds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.bench.coaching import METHODS, steps_to_reach
from app.bench.report import COLOURS, export_png, offscreen_app

LABELS = {"lunar-corrections": "corrections (coach takes over)", "lunar-more-demos": "more full demos"}


def write_coach_report(records: list[dict], out: Path) -> Path:
    lines = [
        "# Coach benchmark: corrections against more full demos",
        "",
        "Normalised return (random 0, scripted expert 1; 50 deterministic episodes) after each round,",
        "against every human-controlled step so far (the two starting demos included).",
        "",
        "| method | seed | human steps -> normalised | steps to 0.95 |",
        "|---|---|---|---|",
    ]
    for record in records:
        points = ", ".join(
            f"{s:,} -> {v:.3f}" for s, v in zip(record["human_steps"], record["normalized"], strict=True)
        )
        reached = steps_to_reach(record)
        lines.append(f"| {record['method']} | {record['seed']} | {points} | {reached if reached else 'not reached'} |")
    lines += ["", "Medians over seeds:", ""]
    for method in METHODS:
        runs = [r for r in records if r["method"] == method]
        if not runs:
            continue
        steps = np.median([r["human_steps"] for r in runs], axis=0)
        values = np.median([r["normalized"] for r in runs], axis=0)
        median_curve = {"human_steps": steps.tolist(), "normalized": values.tolist()}
        reached = steps_to_reach(median_curve)
        points = ", ".join(f"{s:,.0f} -> {v:.3f}" for s, v in zip(steps, values, strict=True))
        lines.append(f"- {method}: {points}; median curve reaches 0.95 at {reached or 'never'}")
    _plot(records, out / "coach.png")
    lines += ["", "![coach](coach.png)", ""]
    path = out / "coach.md"
    path.write_text("\n".join(lines))
    return path


def _plot(records: list[dict], path: Path) -> None:
    offscreen_app()
    import pyqtgraph as pg

    widget = pg.PlotWidget(title="LunarLander: corrections vs more demos (median of seeds)")
    widget.setBackground("w")
    widget.addLegend(offset=(10, 10))
    widget.setLabel("bottom", "human-controlled steps")
    widget.setLabel("left", "normalised return (expert 1)")
    dashed = pg.mkPen("#555", style=pg.QtCore.Qt.PenStyle.DashLine)
    widget.addItem(pg.InfiniteLine(pos=0.95, angle=0, pen=dashed))
    for index, method in enumerate(METHODS):
        runs = [r for r in records if r["method"] == method]
        if not runs:
            continue
        colour = COLOURS[index]
        for run in runs:  # each seed, faint
            widget.plot(
                run["human_steps"],
                run["normalized"],
                pen=pg.mkPen(colour, width=1, style=pg.QtCore.Qt.PenStyle.DotLine),
            )
        steps = np.median([r["human_steps"] for r in runs], axis=0)
        values = np.median([r["normalized"] for r in runs], axis=0)
        widget.plot(steps, values, pen=pg.mkPen(colour, width=3), symbol="o", symbolBrush=colour, name=LABELS[method])
    export_png(widget, path)
