"""The Record view's columns: the game, and beside it the key legend over the demo list, sized once shown."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from app.gui.widgets.fitting_scroll_area import FittingScrollArea


class RecordColumns(QSplitter):
    def __init__(self, game: QWidget, legend: QWidget, demo_list: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        side = QVBoxLayout()
        side.addWidget(legend)
        side.addWidget(demo_list, 1)
        side_inner = QWidget()
        side_inner.setLayout(side)
        self.addWidget(game)
        # In a scroll area: on a small screen (a classroom projector) the side column scrolls
        # instead of forcing the window wider than the screen.
        self.addWidget(FittingScrollArea(side_inner))
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 0)
        self._side_sized = False

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._side_sized:
            self._side_sized = True
            QTimer.singleShot(0, self._size_side_column)  # once the window has its size

    def _size_side_column(self) -> None:
        """The side column gets the width its content asks for (at 1280 px nothing scrolls), the
        game the rest; a splitter left to itself squeezed the column."""
        total = sum(self.sizes())
        side = min(self.widget(1).sizeHint().width(), total // 2)
        self.setSizes([total - side, side])
