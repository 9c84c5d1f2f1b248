"""How far a run is: its counters, which every event and checkpoint carries and a resume restores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class Progress:
    """Iterations done (BC: epochs), env steps taken, and the seconds the updates took."""

    iteration: int = 0
    env_steps: int = 0
    wall_time_s: float = 0.0

    def count(self, env_steps: int, elapsed_s: float) -> None:
        """One more iteration, of ``env_steps`` steps (none for a BC epoch), that took ``elapsed_s``."""
        self.iteration += 1
        self.env_steps += env_steps
        self.wall_time_s += elapsed_s

    @property
    def step(self) -> int:
        """Where the timeline and TensorBoard put this moment: env steps, or epochs for BC, which takes none."""
        return self.env_steps or self.iteration

    def state(self) -> dict[str, Any]:
        """The counters as a checkpoint keeps them."""
        return {"iteration": self.iteration, "env_steps": self.env_steps, "wall_time_s": self.wall_time_s}

    def restore(self, state: Mapping[str, Any]) -> None:
        """The counters of a checkpoint's ``state``."""
        self.iteration = int(state["iteration"])
        self.env_steps = int(state["env_steps"])
        self.wall_time_s = float(state["wall_time_s"])
