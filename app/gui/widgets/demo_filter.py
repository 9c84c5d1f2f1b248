"""The two filters of a demo folder's selection: successful endings only, and a minimum return.

The Record list and the Train view each show one, bound to the same ``selection.json``, so what a
person chooses in one is what the other shows and what trains. The bundled samples are read-only:
there the filters are disabled and say why.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.data.demo_selection import DemoSelection, load_selection, save_selection
from core.errors import StudioError

NO_MINIMUM = -1e6  # the spin box's lowest value, shown as "none"


class DemoFilterBox(QWidget):
    """Edits the filters of one folder's selection; ``changed`` after each stored change."""

    changed = Signal()
    failed = Signal(str)  # the selection could not be read or stored

    def __init__(self, parent: QWidget | None = None, compact: bool = False) -> None:
        """``compact``: the two filters on two lines, for a narrow column."""
        super().__init__(parent)
        self.folder: Path | None = None
        self.successful_only = QCheckBox("Successful endings only")
        self.successful_only.setToolTip("Leave out episodes that crashed, fell or timed out")
        self.min_return = QDoubleSpinBox()
        self.min_return.setRange(NO_MINIMUM, 1e6)
        self.min_return.setDecimals(0)
        self.min_return.setSingleStep(10)
        self.min_return.setSpecialValueText("none")
        self.min_return.setToolTip("Leave out episodes whose return is below this")
        minimum = QHBoxLayout()
        minimum.setContentsMargins(0, 0, 0, 0)
        minimum.addWidget(QLabel("Minimum return" if compact else "min return"))
        minimum.addWidget(self.min_return)
        minimum.addStretch(1)
        layout = QVBoxLayout(self) if compact else QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if not compact:
            layout.addWidget(QLabel("Train on:"))
        layout.addWidget(self.successful_only)
        layout.addLayout(minimum)
        if not compact:
            layout.addStretch(1)
        self.successful_only.toggled.connect(lambda _: self._store())
        self.min_return.editingFinished.connect(self._store)

    def set_folder(self, folder: Path | None, writable: bool) -> DemoSelection:
        """Show ``folder``'s filters, editable only where the person's own demos are; the
        selection shown (the default for the read-only samples)."""
        self.folder = folder if writable else None
        selection = self.selection()
        self.successful_only.blockSignals(True)
        self.successful_only.setChecked(selection.successful_only)
        self.successful_only.blockSignals(False)
        self.min_return.blockSignals(True)
        self.min_return.setValue(NO_MINIMUM if selection.min_return is None else selection.min_return)
        self.min_return.blockSignals(False)
        self.setEnabled(writable)
        self.setToolTip("" if writable else "The bundled samples are read-only: copy them into your demos to choose")
        return selection

    def selection(self) -> DemoSelection:
        if self.folder is None:
            return DemoSelection()
        try:
            return load_selection(self.folder)
        except StudioError as error:
            self.failed.emit(str(error))
            return DemoSelection()

    def _store(self) -> None:
        if self.folder is None:
            return
        value = self.min_return.value()
        selection = replace(
            self.selection(),
            successful_only=self.successful_only.isChecked(),
            min_return=None if value <= NO_MINIMUM else value,
        )
        try:
            save_selection(self.folder, selection)
        except OSError as error:
            self.failed.emit(f"{self.folder}: could not store the selection ({error})")
            return
        self.changed.emit()
