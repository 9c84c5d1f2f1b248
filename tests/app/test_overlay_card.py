"""The card over the game frame: whatever its title, nothing in it is cut off."""

import numpy as np
import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QPushButton

from app.gui.widgets.frame_view import FrameView


@pytest.mark.parametrize("width", [800, 1000, 1400])
@pytest.mark.parametrize(
    "title", ["Return -109.0: crashed", "Return -706.1: flew off the side", "Return 1234.5: landed on the pad"]
)
@pytest.mark.parametrize("hint_width", [None, 120])  # 120: a wrapped label's narrow guess (seen on an X server)
def test_the_card_is_at_least_as_large_as_its_contents_need(qtbot, monkeypatch, width, title, hint_width):
    view = FrameView()
    if hint_width is not None:
        narrow = QSize(hint_width, 90)
        monkeypatch.setattr(view.overlay, "sizeHint", lambda: narrow)
    qtbot.addWidget(view)
    view.resize(width, int(width * 0.75))
    view.set_frame(np.zeros((400, 600, 3), np.uint8))
    view.show()
    buttons = (QPushButton("Keep (Enter)"), QPushButton("Discard (Backspace)"))
    view.overlay.show_card(title, "228 steps. Keep this episode as a demonstration?", buttons)
    card = view.overlay
    card.layout().activate()
    assert card.height() >= card.layout().heightForWidth(card.width())
    for button in buttons:  # "Ceep (Enter" was what a squeezed card showed
        assert button.width() >= button.sizeHint().width()
    assert card.title.height() >= card.title.heightForWidth(card.title.width())
    assert card.geometry().right() <= view.width()


def test_a_card_shown_over_a_card_on_screen_counts_its_new_buttons(qtbot):
    """New buttons on a visible card are shown by a queued call; measured before it, the card came
    out without room for them (a clipped two-line title, "Ceep (Enter")."""
    view = FrameView()
    qtbot.addWidget(view)
    view.resize(560, 420)
    view.set_frame(np.zeros((400, 600, 3), np.uint8))
    view.show()
    card = view.overlay
    card.show_card("Ready", "Press a game key or Space to start.")
    for _ in range(2):  # the Record view may show the end card twice in a row
        buttons = (QPushButton("Keep (Enter)"), QPushButton("Discard (Backspace)"))
        card.show_card("Return -706.1: flew off the side", "228 steps. Keep this episode?", buttons)
    card.layout().activate()
    assert card.height() >= card.heightForWidth(card.width())
    assert card.title.height() >= card.title.heightForWidth(card.title.width())
    for button in buttons:
        assert button.width() >= button.sizeHint().width()
