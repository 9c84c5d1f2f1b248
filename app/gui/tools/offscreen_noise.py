"""The offscreen platform's one harmless warning, kept out of the command line's output.

Qt's offscreen plugin warns "This plugin does not support propagateSizeHints()" whenever a
window is laid out: ``screenshot`` and ``probe`` printed it, and it reads like an error. Every
other Qt message still goes to stderr.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

HARMLESS = ("This plugin does not support propagateSizeHints()",)


def hide_offscreen_noise() -> None:
    """Install a Qt message handler that drops ``HARMLESS`` and passes the rest on."""
    previous = None

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if message in HARMLESS:
            return
        if previous is not None:
            previous(kind, context, message)
        else:
            sys.stderr.write(f"{message}\n")

    previous = qInstallMessageHandler(handler)
