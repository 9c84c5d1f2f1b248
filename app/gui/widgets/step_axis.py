"""An x axis for step counts that labels 200,000 as "200k": six digits per tick ran into each
other ("200000400000600000") once a panel was a few hundred pixels wide."""

from __future__ import annotations

import pyqtgraph as pg


def compact_count(value: float) -> str:
    """1_500_000 -> "1.5M", 200_000 -> "200k", 350 -> "350"."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


class StepAxis(pg.AxisItem):
    """``pg.AxisItem`` with ``compact_count`` tick labels."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [compact_count(value * scale) for value in values]
