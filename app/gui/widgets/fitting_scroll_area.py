"""A scroll area that asks for its content's full width, and scrolls only when it gets less.

QScrollArea's own size hint is a fixed guess, so a splitter gave the Record view's side column
less than its content needed even on a 1280 px screen. This one asks for what the content
wants, yet its minimum stays small: on a small screen the column scrolls instead of forcing the
window wider than the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


class FittingScrollArea(QScrollArea):
    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidget(content)

    def sizeHint(self) -> QSize:
        content = self.widget().sizeHint()
        return QSize(content.width() + self.verticalScrollBar().sizeHint().width(), content.height())
