"""One writer per folder: an OS file lock held for as long as the writer works.

Two trainers writing one run folder would interleave their metrics and overwrite each other's
checkpoints; two recordings into one demo folder would both find a seed free and both write it.
The lock is the operating system's (``flock`` on POSIX, ``msvcrt.locking`` on Windows) on
``FOLDER/.lock``, so a crashed or killed writer never leaves a folder locked: the OS drops the lock
with the process. The file keeps the holder's pid, host and start time, to name it to whoever
finds the folder taken; a file left behind by a dead process is simply taken over.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import IO

from core.errors import StudioError
from core.records import FieldReader, read_json_object

LOCK_FILE = ".lock"  # hidden: demo folders skip hidden files, a run folder names it in its layout


class FolderLockedError(StudioError):
    """Another process holds this folder's lock now."""


class FolderLock:
    """Held from ``acquire`` until ``release`` (or until the process ends)."""

    def __init__(self, handle: IO[str], path: Path) -> None:
        self._handle: IO[str] | None = handle
        self.path = path

    @classmethod
    def acquire(
        cls,
        folder: Path,
        in_use: str = "another process is using this folder",
        error: type[FolderLockedError] = FolderLockedError,
    ) -> FolderLock:
        """Lock ``folder`` (created if needed); ``error`` says ``in_use`` and names the holder."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOCK_FILE
        handle = open(path, "a+")  # noqa: SIM115 - kept open: the lock lives as long as the handle
        if not _try_lock(handle):
            holder = _holder(path)
            handle.close()
            raise error(f"{folder}: {in_use} ({holder}); wait for it or stop it")
        handle.seek(0)
        handle.truncate()
        record = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
        handle.write(json.dumps(record))
        handle.flush()
        return cls(handle, path)

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file drops the OS lock
            self._handle = None

    @property
    def held(self) -> bool:
        return self._handle is not None


def _try_lock(handle: IO[str]) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


# The holder writes some eighty bytes; a lock file far larger was not written by one.
HOLDER_MAX_BYTES = 4096


def _holder(path: Path) -> str:
    """Who holds the lock, in words, from what it wrote into the lock file (read through the
    records' bounded reader: whatever else the file holds names no one)."""
    try:
        fields = FieldReader(read_json_object(path, StudioError, HOLDER_MAX_BYTES), str(path), StudioError)
        return f"process {fields.integer('pid')} on {fields.text('host')}, since {fields.text('started')}"
    except StudioError:
        return "a process that has not said who it is yet"
