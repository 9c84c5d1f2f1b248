"""One trainer per run folder (``core.folder_lock``, held for the whole run).

Two trainers writing one folder (two `train --out X` started together, a `--resume` while the
window trains the same run) would interleave their metrics and overwrite each other's checkpoints.
"""

from __future__ import annotations

from pathlib import Path

from core.folder_lock import FolderLock, FolderLockedError


class RunLockedError(FolderLockedError):
    """Another process trains in this run folder now."""


class RunLock(FolderLock):
    @classmethod
    def acquire(cls, folder: Path, in_use: str = "", error: type[FolderLockedError] = RunLockedError) -> FolderLock:
        """Lock the run folder ``folder``; RunLockedError names the trainer that holds it."""
        return FolderLock.acquire(folder, in_use or "another trainer is using this run folder", error)
