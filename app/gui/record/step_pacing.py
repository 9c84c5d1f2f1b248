"""How evenly the Record view's game steps come: the intervals between steps while playing."""

from __future__ import annotations

import time
from collections import deque

import numpy as np

PACING_WINDOW = 3000  # step intervals kept for the pacing figures


class StepPacing:
    def __init__(self) -> None:
        self.intervals_ms: deque[float] = deque(maxlen=PACING_WINDOW)
        self._last: float | None = None

    def step(self) -> None:
        """A game step happened now."""
        now = time.perf_counter()
        if self._last is not None:
            self.intervals_ms.append((now - self._last) * 1000.0)
        self._last = now

    def pause(self) -> None:
        """The next step starts a new stretch (a pause is not an interval)."""
        self._last = None

    def restart(self) -> None:
        """Forget every interval (the rate changed)."""
        self._last = None
        self.intervals_ms.clear()

    def figures(self, target_ms: float) -> dict[str, float]:
        """Target, median, p99 and max interval in ms, and how many intervals they are of."""
        if not self.intervals_ms:
            return {"target_ms": target_ms, "steps": 0}
        values = np.array(self.intervals_ms)
        return {
            "target_ms": target_ms,
            "steps": len(values),
            "median_ms": float(np.median(values)),
            "p99_ms": float(np.percentile(values, 99)),
            "max_ms": float(values.max()),
        }
