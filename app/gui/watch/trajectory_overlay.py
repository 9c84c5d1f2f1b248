"""Where the demos went and where the policy goes: each episode's path through two state
dimensions (the landers' x and y, so the lander's flight seen from the side), the demos in blue,
the policy's latest episodes in orange, newest the strongest."""

from __future__ import annotations

from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from core.data.demo_set import DemoSet
from core.envs.registry import GENERIC_PATH_AXES, REGISTRY, get_spec

RECENT_EPISODES = 8
DEMO_COLOUR = (31, 119, 180)
POLICY_COLOUR = (255, 127, 14)


class TrajectoryOverlay(pg.PlotWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, title="Paths: demos (blue), policy (orange)")
        self.setBackground("w")
        for side in ("bottom", "left"):
            self.getAxis(side).enableAutoSIPrefix(False)  # the state's own units, not "x 0.001"
        self.axes = (0, 1)
        self.recent: deque[np.ndarray] = deque(maxlen=RECENT_EPISODES)
        self._demo_items: list[pg.PlotDataItem] = []
        self._policy_items: list[pg.PlotDataItem] = []
        # The episode playing now, drawn as it goes (it joins ``recent`` when it ends).
        self._current = self.plot([], [], pen=pg.mkPen((*POLICY_COLOUR, 255), width=2.5))
        self.setMinimumHeight(160)

    def set_env(self, env_key: str) -> None:
        axes = get_spec(env_key).path_axes if env_key in REGISTRY else GENERIC_PATH_AXES
        self.axes = (axes.x_dim, axes.y_dim)
        self.setLabel("bottom", axes.x_label)
        self.setLabel("left", axes.y_label)
        self.recent.clear()
        self._current.setData([], [])
        self._redraw_policy()

    def set_demos(self, demos: DemoSet | None) -> None:
        for item in self._demo_items:
            self.removeItem(item)
        self._demo_items = []
        for episode in demos.episodes if demos is not None else ():
            path = self.path_of(episode.observations)
            self._demo_items.append(self.plot(path[:, 0], path[:, 1], pen=pg.mkPen((*DEMO_COLOUR, 120), width=1.5)))

    def path_of(self, observations: np.ndarray) -> np.ndarray:
        flat = np.asarray(observations, dtype=np.float64).reshape(len(observations), -1)
        return flat[:, list(self.axes)]

    def show_current(self, observations: list[np.ndarray]) -> None:
        """The playing episode's states so far (the start state first)."""
        path = self.path_of(np.array(observations)) if len(observations) >= 2 else np.empty((0, 2))
        self._current.setData(path[:, 0], path[:, 1])

    def current_points(self) -> int:
        """How many states of the playing episode are drawn."""
        return 0 if self._current.xData is None else len(self._current.xData)

    def add_policy_episode(self, observations: list[np.ndarray]) -> None:
        """A finished policy episode's states (the start state first)."""
        self._current.setData([], [])
        if len(observations) >= 2:
            self.recent.append(self.path_of(np.array(observations)))
            self._redraw_policy()

    def _redraw_policy(self) -> None:
        for item in self._policy_items:
            self.removeItem(item)
        self._policy_items = []
        for age, path in enumerate(reversed(self.recent)):  # the newest first, the strongest
            alpha = max(60, 255 - age * 25)
            pen = pg.mkPen((*POLICY_COLOUR, alpha), width=2.5 if age == 0 else 1.5)
            self._policy_items.append(self.plot(path[:, 0], path[:, 1], pen=pen))
