"""What a run writes as it trains, besides checkpoints: ``metrics.jsonl``, TensorBoard files when
asked, and the timeline's policy snapshots. Without a run folder it writes nothing."""

from __future__ import annotations

from typing import Any

from core.rl.nets import ActorCritic
from core.train.runs.run_dir import RunDir
from core.train.runs.tensorboard_log import TensorBoardLog
from core.train.runs.timeline import drop_snapshots_after, save_snapshot, snapshot_every, thin_snapshots
from core.train.settings.config import TrainConfig


class RunOutputs:
    def __init__(self, run_folder: RunDir | None, config: TrainConfig, resumed_at: int | None = None) -> None:
        """``resumed_at``: the step (BC: epoch) a resumed run restarts from, None for a new run;
        what a killed run wrote after its checkpoint is dropped from the timeline and TensorBoard
        (all of it when it had none: it starts over at 0)."""
        self.run_folder = run_folder
        if run_folder is not None and resumed_at is not None:
            drop_snapshots_after(run_folder.path, resumed_at)
        self.tensorboard = (
            TensorBoardLog(run_folder.path, purge_step=resumed_at) if config.tensorboard and run_folder else None
        )
        self.snapshot_every = snapshot_every(config)

    def metrics(self, iteration: int, env_steps: int, wall_time_s: float, scalars: dict[str, Any]) -> None:
        if self.run_folder is not None:
            self.run_folder.append_metrics(
                {"iteration": iteration, "env_steps": env_steps, "wall_time_s": wall_time_s, **scalars}
            )
        if self.tensorboard is not None:
            self.tensorboard.write(env_steps or iteration, {"wall_time_s": wall_time_s, **scalars})

    def timeline(self, iteration: int, step: int, policy: ActorCritic, final: bool = False) -> None:
        """Keep a snapshot at iteration 0, every ``snapshot_every`` iterations, and at the end."""
        if self.run_folder is not None and (final or iteration % self.snapshot_every == 0):
            save_snapshot(self.run_folder.path, step, policy)
            thin_snapshots(self.run_folder.path)  # within the budget, a resumed or extended run too

    def close(self) -> None:
        if self.tensorboard is not None:
            self.tensorboard.close()
