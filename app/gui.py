"""Start the desktop application."""

from __future__ import annotations

import os
import sys

import torch


def run_gui() -> int:
    """Open the main window and run the event loop; returns the exit status."""
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow

    # One thread for the GUI's own torch use (the Watch view's forward passes); the trainer sets
    # its own count. Two cores: more threads only fight the env stepping and the event loop.
    torch.set_num_threads(1)
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Imitation Studio")
    app.setOrganizationName("imitation-studio")
    window = MainWindow()
    window.show()
    return app.exec()
