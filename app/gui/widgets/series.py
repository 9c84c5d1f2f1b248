"""Bounded (x, y) series for live plots: old points are thinned, recent ones kept at full detail.

A run of millions of steps yields thousands of iterations per curve; the plots keep at most
``capacity`` points per series by halving the density of the older half whenever it fills up.
"""

from __future__ import annotations

import numpy as np


class DecimatingSeries:
    def __init__(self, capacity: int = 2000) -> None:
        if capacity < 4:
            raise ValueError("capacity must be at least 4")
        self.capacity = capacity
        self._x: list[float] = []
        self._y: list[float] = []

    def __len__(self) -> int:
        return len(self._x)

    def append(self, x: float, y: float) -> None:
        self._x.append(float(x))
        self._y.append(float(y))
        if len(self._x) > self.capacity:
            self._thin()

    def _thin(self) -> None:
        # Keep every other point of the older half; the newer half stays untouched.
        half = len(self._x) // 2
        self._x = self._x[:half:2] + self._x[half:]
        self._y = self._y[:half:2] + self._y[half:]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self._x), np.asarray(self._y)

    def value_near(self, x: float) -> tuple[float, float] | None:
        """The stored point whose x is nearest to ``x`` (for hover readouts)."""
        if not self._x:
            return None
        xs = np.asarray(self._x)
        index = int(np.clip(np.searchsorted(xs, x), 1, len(xs) - 1)) if len(xs) > 1 else 0
        if len(xs) > 1 and abs(xs[index - 1] - x) <= abs(xs[index] - x):
            index -= 1
        return self._x[index], self._y[index]

    def clear(self) -> None:
        self._x.clear()
        self._y.clear()
