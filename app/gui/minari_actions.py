"""The File menu's Minari actions: the Record view's demo set out to a Minari dataset, and a
local Minari dataset into the workspace's demos of its env (``core/share/minari_io.py``)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.gui.widgets.dialogs import Dialogs
from core.data.workspace import Workspace
from core.errors import StudioError


def export_to_minari(parent: QWidget, dialogs: Dialogs, workspace: Workspace, env_key: str) -> str | None:
    """Ask for a dataset id and export ``env_key``'s demos; the status line's text, or None."""
    from core.share.minari_io import export_minari

    folder = workspace.demos_dir(env_key)
    start = f"{env_key.split('-')[0].lower()}/my-demos-v0"
    dataset_id = dialogs.ask_text(parent, "Export to Minari", f"Dataset id for the demos in {folder}:", start)
    if dataset_id is None:
        return None
    try:
        summary = export_minari(folder, dataset_id)
    except (StudioError, OSError) as error:
        dialogs.error(parent, "Minari export failed", str(error))
        return None
    left = f" ({len(summary.left_out)} left out)" if summary.left_out else ""
    return f"Minari dataset {summary.dataset_id}: {summary.episodes} episodes, {summary.steps:,} steps{left}"


def import_from_minari(parent: QWidget, dialogs: Dialogs, workspace: Workspace) -> str | None:
    """Ask for a local dataset id and add its episodes to the workspace's demos of its env."""
    from core.share.minari_io import import_minari

    dataset_id = dialogs.ask_text(parent, "Import from Minari", "Local Minari dataset id:")
    if dataset_id is None:
        return None
    try:
        written = import_minari(dataset_id, folder_for_env=workspace.demos_dir)
    except (StudioError, OSError) as error:
        dialogs.error(parent, "Minari import failed", str(error))
        return None
    folder = written[0].parent if written else workspace.root
    return f"imported {len(written)} episodes of {dataset_id} into {folder}"
