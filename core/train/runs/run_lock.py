"""One trainer per run folder: an OS file lock held for the whole run.

Two trainers writing one folder (two `train --out X` started together, a `--resume` while the
window trains the same run) would interleave their metrics and overwrite each other's
checkpoints. The lock is the operating system's (``flock`` on POSIX, ``msvcrt.locking`` on
Windows) on ``RUN/.lock``, so a crashed or killed trainer never leaves a folder locked: the OS
drops the lock with the process. The file keeps the holder's pid, host and start time, to name it
to whoever finds the folder taken; a file left behind by a dead process is simply taken over.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import IO

from core.errors import StudioError
from core.train.runs.layout import LOCK_FILE


class RunLockedError(StudioError):
    """Another process trains in this run folder now."""


class RunLock:
    """Held from ``acquire`` until ``release`` (or until the process ends)."""

    def __init__(self, handle: IO[str], path: Path) -> None:
        self._handle: IO[str] | None = handle
        self.path = path

    @classmethod
    def acquire(cls, run_dir: Path) -> RunLock:
        """Lock ``run_dir`` (created if needed); RunLockedError names the process that holds it."""
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        path = run_dir / LOCK_FILE
        handle = open(path, "a+")  # noqa: SIM115 - kept open: the lock lives as long as the handle
        if not _try_lock(handle):
            holder = _holder(path)
            handle.close()
            raise RunLockedError(
                f"{run_dir}: another trainer is using this run folder ({holder}); wait for it or stop it"
            )
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


def _holder(path: Path) -> str:
    """Who holds the lock, in words, from what it wrote into the lock file."""
    try:
        record = json.loads(path.read_text())
        return f"process {int(record['pid'])} on {record['host']}, since {record['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "a process that has not said who it is yet"
