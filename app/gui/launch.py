"""Start the desktop application."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# With --workspace the window's remembered settings live in the workspace too, so that nothing
# is written into the user's home folder (classrooms, tests, a workspace on a USB stick).
WORKSPACE_SETTINGS_FILE = ".imitation-studio.ini"


def run_gui(workspace_dir: Path | None = None) -> int:
    """Open the main window and run the event loop; returns the exit status.

    Raises ``StudioError`` when the window cannot open here (no display, missing X libraries)
    or ``workspace_dir`` cannot be used.
    """
    from app.gui.platform_check import display_problem
    from core.data.workspace import Workspace
    from core.errors import StudioError

    problem = display_problem()
    if problem is not None:
        # Qt itself would abort the process with a message that names one library of several.
        raise StudioError(problem)
    workspace = Workspace(workspace_dir) if workspace_dir is not None else None

    import torch
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.gui.main_window import MainWindow

    # One thread for the GUI's own torch use (the Watch view's forward passes); the trainer sets
    # its own count. Two cores: more threads only fight the env stepping and the event loop.
    torch.set_num_threads(1)
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Imitation Studio")
    app.setOrganizationName("imitation-studio")
    settings = None
    if workspace is not None:
        settings = QSettings(str(workspace.root / WORKSPACE_SETTINGS_FILE), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings)
    window.show()
    return app.exec()
