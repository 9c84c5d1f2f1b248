"""The Watch view's run picker: the run training now, then every run of the workspace that has a checkpoint."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

from core.train.events import PolicySnapshot
from core.train.runs.run_dir import RunDir
from core.train.settings.config import TrainConfig

LIVE = "live"  # the entry for the run training now


def live_text(snapshot: PolicySnapshot, config: TrainConfig) -> str:
    """The live run's entry: its env and how far it has trained."""
    return f"Training now: {config.env} ({snapshot.env_steps:,} steps)"


class RunPicker(QComboBox):
    live_picked = Signal()
    run_picked = Signal(object)  # the Path of a run folder

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(24)
        self.activated.connect(self._on_activated)

    def list_runs(
        self, run_dirs: list[Path], live: tuple[PolicySnapshot, TrainConfig] | None, watched: Path | None
    ) -> None:
        """The live run (when there is one) and every run of ``run_dirs`` with a checkpoint; the
        ``watched`` one selected (None: the live one), without a pick signal."""
        self.blockSignals(True)
        self.clear()
        if live is not None:
            self.addItem(live_text(*live), LIVE)
        for run_dir in run_dirs:
            if RunDir(run_dir).latest_checkpoint() is not None:
                self.addItem(run_dir.name, str(run_dir))  # a str: Qt compares it in findData
        if self.count() == 0:
            self.addItem("no runs yet", None)
        index = self.findData(LIVE if watched is None and live is not None else str(watched))
        if index >= 0:
            self.setCurrentIndex(index)
        self.blockSignals(False)

    def show_live(self, snapshot: PolicySnapshot, config: TrainConfig) -> None:
        """The live run's newest step count, when it is listed."""
        if self.itemData(0) == LIVE:
            self.setItemText(0, live_text(snapshot, config))

    def runs_to_try(self, remembered: str) -> list[Path]:
        """The listed run folders in the list's order, ``remembered`` first when it is listed."""
        remembered_index = self.findData(remembered) if remembered else -1
        first = [remembered_index] if remembered_index >= 0 else []
        listed = [self.itemData(index) for index in first + list(range(self.count()))]
        return [Path(data) for data in listed if data and data != LIVE]

    def _on_activated(self, index: int) -> None:
        data = self.itemData(index)
        if data == LIVE:
            self.live_picked.emit()
        elif data:
            self.run_picked.emit(Path(data))
