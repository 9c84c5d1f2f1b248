"""The Record view's game column: its controls, the frame with its card, D along a replay, the status line."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.gui.record.disc_trace import DiscTrace
from app.gui.record.record_texts import PAUSE_BUTTON_TEXT, card_for, status_and_caption
from app.gui.widgets.elided_label import ElidedLabel
from app.gui.widgets.frame_view import FrameView
from app.gui.widgets.speed_box import SpeedBox
from core.envs.endings import above_top_edge
from core.envs.registry import REGISTRY
from core.sessions.recording_session import Mode, RecordingSession


class GameColumn(QWidget):
    keep_requested = Signal()  # Keep on the finished episode's card
    discard_requested = Signal()  # Discard on the finished episode's card

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env_combo = QComboBox()
        for spec in REGISTRY.values():
            self.env_combo.addItem(spec.display_name, spec.key)
        self.speed_box = SpeedBox()
        self.pause_button = QPushButton("Start (Space)")
        self.restart_button = QPushButton("Restart (R)")
        self.frame_view = FrameView()
        # The buttons never take the keyboard (Space on a focused button would press it instead of
        # pausing); after a choice in a combo box the keyboard goes back to the game.
        for button in (self.pause_button, self.restart_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.env_combo.activated.connect(lambda _: self.frame_view.setFocus())
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Environment"))
        bar.addWidget(self.env_combo)
        bar.addSpacing(12)
        bar.addWidget(self.speed_box)
        bar.addWidget(self.pause_button)
        bar.addWidget(self.restart_button)
        bar.addStretch(1)
        self.status = ElidedLabel()
        self.disc_trace = DiscTrace()
        column = QVBoxLayout(self)
        column.addLayout(bar)
        column.addWidget(self.frame_view, 1)
        column.addWidget(self.disc_trace)
        column.addWidget(self.status)

    def show_session(self, session: RecordingSession, speed: float) -> None:
        """The session's frame, its card, the Space button, D along a replay and the status line."""
        mode = session.mode
        self.frame_view.set_frame(session.frame)
        self.frame_view.set_above_top(above_top_edge(session.spec, session.observation))
        self.show_card(session, speed)
        self.pause_button.setText(PAUSE_BUTTON_TEXT[mode])
        self.pause_button.setEnabled(mode != Mode.FINISHED)
        self.disc_trace.show_for(session)
        self.show_status(session, speed)

    def show_card(self, session: RecordingSession, speed: float) -> None:
        """The card over the frame for the session's mode (none while the game or a replay runs)."""
        card = card_for(session, speed)
        if card is None:
            self.frame_view.overlay.hide()
            return
        buttons = ()
        if card.keep_or_discard:
            keep = QPushButton("Keep (Enter)")
            drop = QPushButton("Discard (Backspace)")
            keep.clicked.connect(self.keep_requested)
            drop.clicked.connect(self.discard_requested)
            buttons = (keep, drop)
        self.frame_view.overlay.show_card(card.title, card.text, buttons)

    def show_status(self, session: RecordingSession, speed: float) -> None:
        """The status line under the frame and the caption in its corner."""
        status, caption = status_and_caption(session, speed)
        self.status.setText(status)
        self.frame_view.set_caption(caption)
