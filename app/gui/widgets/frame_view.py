"""A widget that shows an env's rgb frames scaled to fit, and takes the keyboard for a game.

It paints the latest numpy frame with its aspect ratio kept, draws a focus ring while it has the
keyboard (and a "click to play" hint while it does not), and reports key presses and releases
without auto-repeat. An optional overlay card sits in the frame's top-left corner (episode
results, messages): the middle of a frame is where the game is (the landing pad, the pole), and
the corners are empty in every env we ship. A marker shows where an agent left through the top.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QKeyEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

FOCUS_COLOUR = QColor(60, 140, 255)
MARKER_COLOUR = QColor(255, 190, 60)
CAPTION_HEIGHT = 22
CARD_WIDTH_FRACTION = 0.45  # the lander starts at the top centre: a card this wide stays clear


class OverlayCard(QFrame):
    """A dark card over the frame: a title, a text and up to a few buttons."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("overlay")
        self.setStyleSheet(
            "#overlay { background: rgba(20, 24, 32, 225); border: 1px solid #5a6b85; border-radius: 8px; }"
            "QLabel { color: #f0f0f0; background: transparent; }"
            "QPushButton { padding: 4px 14px; }"
        )
        self.title = QLabel()
        title_font = QFont()
        title_font.setPointSize(15)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)  # "Return -316.4: flew off the side" is wider than the card
        self.text = QLabel()
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        for label in (self.title, self.text):  # a wrapped label's own minimum guess would set the card's
            label.setMinimumWidth(120)
        self.buttons = QHBoxLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 12)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addLayout(self.buttons)
        self.hide()

    def show_card(self, title: str, text: str, buttons: tuple[QPushButton, ...] = ()) -> None:
        self.title.setText(title)
        self.text.setText(text)
        while self.buttons.count():
            item = self.buttons.takeAt(0)
            if item.widget():
                item.widget().setParent(None)
        for button in buttons:
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays with the game
            self.buttons.addWidget(button)
            # Added to a card already on screen, a button would be shown only by a queued call:
            # until then its layout counts it out, and the card is measured without its buttons.
            button.show()
        self.adjustSize()
        self.show()
        self.raise_()
        self.parentWidget().update()
        self.place()

    def place(self) -> None:
        """Into the top-left corner of the picture, below the caption: wide enough for its texts'
        lines where 45% of the picture allows, never narrower than its buttons need."""
        frame: FrameView = self.parentWidget()
        picture = frame.image_rect().toRect()
        # A word-wrapped label's size hint guesses a width (on some X servers a narrow one, which
        # squeezed the card below its buttons: "Ceep (Enter"); the texts' own widths are the aim.
        margins = self.layout().contentsMargins()
        one_line = max(_line_width(self.title), _line_width(self.text)) + margins.left() + margins.right() + 8
        width = min(max(one_line, self.sizeHint().width()), int(picture.width() * CARD_WIDTH_FRACTION))
        width = max(width, self.minimumSizeHint().width(), 240)  # the buttons' row, the labels at 120
        width = min(width, frame.width() - 16)
        height = self.heightForWidth(width) if self.hasHeightForWidth() else self.sizeHint().height()
        left = max(picture.left() + 8, 4)
        top = max(picture.top(), 0) + CAPTION_HEIGHT + 14
        self.setGeometry(QRect(left, top, width, height))


def _line_width(label: QLabel) -> int:
    """The width of a label's longest line, unwrapped."""
    metrics = label.fontMetrics()
    return max((metrics.horizontalAdvance(line) for line in label.text().splitlines()), default=0)


class FrameView(QWidget):
    """Paints rgb frames and turns key events into ``key_pressed`` / ``key_released`` (Qt key codes)."""

    key_pressed = Signal(int)
    key_released = Signal(int)
    focus_lost = Signal()

    def __init__(self, parent: QWidget | None = None, takes_keyboard: bool = True) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._frame: np.ndarray | None = None  # keeps the QImage's memory alive
        self._caption = ""
        self._above_top_x: float | None = None  # where the agent left through the top edge (0..1)
        self._takes_keyboard = takes_keyboard
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 160)
        if takes_keyboard:
            self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.overlay = OverlayCard(self)

    def set_frame(self, frame: np.ndarray | None) -> None:
        """Show an (H, W, 3) uint8 frame (None clears the view)."""
        if frame is None:
            self._frame, self._image = None, None
        else:
            frame = np.ascontiguousarray(frame, dtype=np.uint8)
            height, width = frame.shape[:2]
            resized = self._image is None or (self._image.width(), self._image.height()) != (width, height)
            self._frame = frame
            self._image = QImage(frame.data, width, height, 3 * width, QImage.Format.Format_RGB888)
            if resized and not self.overlay.isHidden():
                self.overlay.place()
        self.update()

    def set_caption(self, text: str) -> None:
        """A line drawn in the frame's top-left corner (time step, return, mode)."""
        self._caption = text
        self.update()

    def caption_text(self) -> str:
        return self._caption

    def set_above_top(self, x_fraction: float | None) -> None:
        """Mark where the agent is above the picture (x from 0 to 1), or None when it is inside."""
        if x_fraction != self._above_top_x:
            self._above_top_x = x_fraction
            self.update()

    @property
    def has_frame(self) -> bool:
        return self._image is not None

    def image_rect(self) -> QRectF:
        """Where the frame is drawn: as large as fits, aspect ratio kept, centred."""
        if self._image is None:
            return QRectF(self.rect())
        area = self.rect().adjusted(4, 4, -4, -4)
        scale = min(area.width() / self._image.width(), area.height() / self._image.height())
        width, height = self._image.width() * scale, self._image.height() * scale
        return QRectF(area.x() + (area.width() - width) / 2, area.y() + (area.height() - height) / 2, width, height)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(28, 30, 36))
        if self._image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.image_rect(), self._image)
        if self._caption:
            painter.setPen(QColor(255, 255, 255))
            painter.fillRect(
                QRectF(8, 8, painter.fontMetrics().horizontalAdvance(self._caption) + 12, 22), QColor(0, 0, 0, 140)
            )
            painter.drawText(QRectF(14, 8, self.width(), 22), Qt.AlignmentFlag.AlignVCenter, self._caption)
        if self._above_top_x is not None and self._image is not None:
            self._paint_above_top(painter)
        if self._takes_keyboard:
            self._paint_focus(painter)
        painter.end()

    def _paint_above_top(self, painter: QPainter) -> None:
        """An arrow at the top edge of the picture, over where the agent flew out, and a note."""
        picture = self.image_rect()
        x = picture.left() + self._above_top_x * picture.width()
        top = picture.top() + 2
        arrow = QPolygonF([QPointF(x, top), QPointF(x - 10, top + 16), QPointF(x + 10, top + 16)])
        painter.save()  # the brush must not leak into the focus ring drawn next
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(MARKER_COLOUR)
        painter.drawPolygon(arrow)
        text = "above the screen"
        width = painter.fontMetrics().horizontalAdvance(text) + 10
        left = min(max(x - width / 2, picture.left()), picture.right() - width)
        painter.setPen(MARKER_COLOUR)
        painter.drawText(QRectF(left, top + 18, width, 18), Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def _paint_focus(self, painter: QPainter) -> None:
        if self.hasFocus():
            painter.setPen(QPen(FOCUS_COLOUR, 4))
            painter.drawRect(self.rect().adjusted(2, 2, -2, -2))
            return
        painter.setPen(QPen(QColor(120, 120, 120), 1, Qt.PenStyle.DashLine))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        # Shown with or without a card: the card sits in a corner, the hint at the bottom.
        text = "Click here (or press Tab) to give the keys to the game"
        metrics = painter.fontMetrics()
        box = QRectF(0, 0, metrics.horizontalAdvance(text) + 24, 30)
        box.moveCenter(QRectF(self.rect()).center())
        box.moveBottom(self.height() - 14)
        painter.fillRect(box, QColor(0, 0, 0, 170))
        painter.setPen(QColor(255, 230, 120))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self.overlay.isHidden():
            self.overlay.place()

    def mousePressEvent(self, event) -> None:
        if self._takes_keyboard:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._takes_keyboard:
            return super().keyPressEvent(event)
        event.accept()
        if not event.isAutoRepeat():
            self.key_pressed.emit(event.key())

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if not self._takes_keyboard:
            return super().keyReleaseEvent(event)
        event.accept()
        if not event.isAutoRepeat():
            self.key_released.emit(event.key())

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.focus_lost.emit()  # no key-up events will come while another widget has the keyboard
        self.update()
