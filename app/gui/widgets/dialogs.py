"""Every modal question the GUI asks, behind one object so that tests can answer instead.

A modal ``exec()`` reached by an offscreen test would wait for a click forever; the windows take
a ``Dialogs`` instance, and tests pass a scripted one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.errors import StudioError


class Dialogs:
    """Real dialogs (the default)."""

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        """Ask a yes/no question; True for yes."""
        answer = QMessageBox.question(
            parent,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def error(self, parent: QWidget | None, title: str, text: str, details: str = "") -> None:
        """Show an error with optional details (a traceback) behind a button."""
        box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, parent)
        if details:
            box.setDetailedText(details)
        box.exec()

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)

    def choose_folder(self, parent: QWidget | None, title: str, start: Path) -> Path | None:
        """A folder picked by the user, or None when cancelled."""
        chosen = QFileDialog.getExistingDirectory(parent, title, str(start))
        return Path(chosen) if chosen else None

    def save_file(self, parent: QWidget | None, title: str, start: Path, filter: str) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(parent, title, str(start), filter)
        return Path(chosen) if chosen else None

    def ask_text(self, parent: QWidget | None, title: str, label: str, start: str = "") -> str | None:
        """A line of text (a dataset id ...); None when cancelled or empty."""
        text, accepted = QInputDialog.getText(parent, title, label, text=start)
        return text.strip() or None if accepted else None

    def document(self, parent: QWidget | None, title: str, html: str) -> None:
        """Show a page of rich text (help, about) with working links."""
        dialog = QDialog(parent)
        dialog.setWindowTitle(title)
        browser = QTextBrowser()
        browser.setOpenExternalLinks(True)
        browser.setHtml(html)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(browser)
        layout.addWidget(buttons)
        dialog.resize(640, 560)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.exec()


class NoDialogs(Dialogs):
    """For the offscreen tools (screenshot, probes): nobody can click, so nothing may wait.

    An error stops the tool with its message; a question is answered yes; the rest is skipped.
    """

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        return True

    def error(self, parent: QWidget | None, title: str, text: str, details: str = "") -> None:
        raise StudioError(f"{title}: {text}")

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        return None

    def choose_folder(self, parent: QWidget | None, title: str, start: Path) -> Path | None:
        return None

    def save_file(self, parent: QWidget | None, title: str, start: Path, filter: str) -> Path | None:
        return None

    def ask_text(self, parent: QWidget | None, title: str, label: str, start: str = "") -> str | None:
        return None

    def document(self, parent: QWidget | None, title: str, html: str) -> None:
        return None


class ThenRefocus:
    """Any ``Dialogs`` whose every question is followed by a call (to give the keyboard back).

    A closed modal dialog hands the keyboard to whichever widget Qt picks; the game wants it back.
    """

    def __init__(self, dialogs: Dialogs, after: Callable[[], None]) -> None:
        self.inner = dialogs
        self._after = after

    def __getattr__(self, name: str):
        method = getattr(self.inner, name)

        def then_refocus(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            finally:
                self._after()

        return then_refocus
