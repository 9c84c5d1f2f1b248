"""What the trainer tells its front ends, and how they steer it.

Events are small frozen dataclasses holding CPU numbers and arrays only, so the CLI, the tests and
the GUI worker can consume the same iterator, from any thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.train.runs.records import FinalEval


@dataclass(frozen=True)
class IterationStats:
    """One iteration's scalars, by the keys ``core.train.metrics.METRICS`` declares."""

    iteration: int
    env_steps: int
    wall_time_s: float
    scalars: dict[str, float]


@dataclass(frozen=True)
class PolicySnapshot:
    """CPU copies of the networks' weights, for live views and evaluation."""

    iteration: int
    env_steps: int
    policy_state: dict[str, np.ndarray]
    disc_state: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckpointSaved:
    path: Path
    env_steps: int


@dataclass(frozen=True)
class Finished:
    env_steps: int
    run_dir: Path | None
    final_eval: FinalEval | None  # None: stopped before the end, so not evaluated
    stopped_early: bool = False  # stopped by the user (or a signal), not by its end
    done_reason: str | None = None  # the stopping rule's words when it ended the run before its total


@dataclass(frozen=True)
class Failed:
    """Training could not go on; the last good checkpoint (if any) is kept."""

    message: str
    traceback: str = ""
    checkpoint: Path | None = None


Event = IterationStats | PolicySnapshot | CheckpointSaved | Finished | Failed


class TrainControl:
    """Thread-safe pause, resume and stop, checked by the trainer between env steps."""

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # wake a paused trainer so it can see the stop

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def wait_while_paused(self, timeout_s: float = 0.1) -> None:
        """Block while paused (waking every ``timeout_s``), returning at once on resume or stop."""
        while not self._running.wait(timeout_s):
            pass
