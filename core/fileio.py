"""Atomic file writes: readers see the old file or the whole new one, never half of it."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old file or the whole new one."""
    with written_whole(path, keep_suffix=False) as temporary, open(temporary, "wb") as handle:
        handle.write(data)


@contextlib.contextmanager
def written_whole(path: Path, keep_suffix: bool = True) -> Iterator[Path]:
    """A hidden temporary name beside ``path`` for a writer (with ``path``'s suffix, for one that
    picks its format by it: a video encoder, an exporter): synced and moved onto ``path`` when the
    block ends, removed when it raises or is interrupted (Ctrl-C), so ``path`` holds its old
    content or the whole new file, never part. Its name carries the writer's pid, so that the
    temporary a killed writer (SIGKILL, a power cut) left is removed by the next write of ``path``
    (see ``remove_stale_temporaries``); an OSError that names no file (a full disk) names ``path``."""
    remove_stale_temporaries(path.parent, target=path.name)  # a writer of this file killed before
    token = f"{os.getpid()}.{secrets.token_hex(4)}"
    name = f".{path.stem}.{token}.tmp{path.suffix}" if keep_suffix else f".{path.name}.{token}.tmp"
    temporary = path.with_name(name)
    try:
        yield temporary
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        if error.filename is None:
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); not possible on Windows, where it is skipped."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def remove_stale_temporaries(folder: Path, target: str | None = None) -> list[Path]:
    """Delete the temporary files that writers killed mid-write left in ``folder`` (only those of
    the file named ``target``, when given); their names.

    A temporary file names its writer's pid (see ``written_whole``); it is stale when that process
    is gone. One whose writer still runs is left alone: it may be writing now. (POSIX only;
    elsewhere nothing is removed.)
    """
    if os.name != "posix" or not Path(folder).is_dir():
        return []
    removed = []
    for path in Path(folder).glob(".*.tmp*"):
        written = _temporary_of(path.name)
        if written is None or (target is not None and written[0] != target) or _process_alive(written[1]):
            continue
        try:
            path.unlink()
        except OSError:
            continue  # not ours to remove (permissions): left, and not claimed as removed
        removed.append(path)
    return removed


# written_whole's temporary names: ".NAME.PID.TOKEN.tmp" (atomic_write_bytes) and, for a writer that
# picks its format by the suffix (a video encoder), ".STEM.PID.TOKEN.tmp.SUFFIX".
_TEMPORARY = re.compile(r"\.(?P<base>.+)\.(?P<pid>[0-9]+)\.[0-9a-f]{8}\.tmp(?P<suffix>\.[^.]+)?")


def _temporary_of(name: str) -> tuple[str, int] | None:
    """The file a temporary name is for and its writer's pid; None for a name written_whole never gives."""
    match = _TEMPORARY.fullmatch(name)
    if match is None:
        return None
    return match["base"] + (match["suffix"] or ""), int(match["pid"])


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True
