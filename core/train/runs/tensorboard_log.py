"""The run's metrics as TensorBoard event files too (``RUN/tensorboard``), for people who compare
runs there: the same scalars as ``metrics.jsonl``, each under its key, against env steps (BC:
against epochs). Needs the tensorboard package, the ``share`` extra."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.train.runs.layout import TENSORBOARD_DIR


class TensorBoardLog:
    def __init__(self, run_dir: Path, purge_step: int | None = None) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise ConfigError(
                "tensorboard: writing TensorBoard files needs the tensorboard package "
                "(pip install 'imitation-studio[share]')"
            ) from None
        self.folder = Path(run_dir) / TENSORBOARD_DIR
        # A resumed run: TensorBoard hides what a killed run wrote after its checkpoint.
        self._writer = SummaryWriter(log_dir=str(self.folder), purge_step=purge_step)

    def write(self, step: int, scalars: dict[str, Any]) -> None:
        for key, value in scalars.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                self._writer.add_scalar(key, value, step)

    def close(self) -> None:
        self._writer.close()
