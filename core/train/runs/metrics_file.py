"""Reading a run's ``metrics.jsonl`` (one JSON record per iteration, appended as it trains) within
caps, so that a file or a line no trainer wrote is refused by name instead of read into memory.
``RunDir`` is the door to it (``metrics``, and the cut back on resume)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from core.errors import CheckpointError
from core.records import FieldReader, parse_json_object

# A line is some 700 bytes (30 numbers); at the default batch of 2,048 steps, 256 MB holds about
# 380,000 iterations, 780 million steps, days of training. A file past it was not written by a run:
# it is refused by name rather than read into memory (as records, several times its size).
METRICS_MAX_BYTES = 256 * 2**20
METRICS_LINE_MAX_BYTES = 2**16  # about a hundred times a line the trainer writes


def read_metrics(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """The records of the metrics file ``path``, and whether it ends in a torn line (a crash
    mid-append). Read line by line within METRICS_MAX_BYTES, a line within METRICS_LINE_MAX_BYTES:
    a longer one is never held whole, and is unusable like any line that is not a record: named
    inside the file, torn at its end."""
    records: list[dict[str, Any]] = []
    failed_last, whole_last = False, True
    refusal: CheckpointError | None = None  # a bad line's error, raised once a line follows it
    with open(path, "rb") as handle:
        for number, line in enumerate(_metrics_lines(handle, path), start=1):
            if refusal is not None:
                raise refusal
            source = f"{path}: line {number}"
            whole_last = line is not None and line.endswith(b"\n")
            try:
                record = _metrics_record(line, source)
            except CheckpointError as error:
                failed_last = True  # unless a line follows: the last line, cut short by a crash mid-append
                if line is None or line.strip():
                    reason = str(error).removeprefix(f"{source}: ")
                    refusal = CheckpointError(f"{source} is not a metrics record ({reason})")
                continue
            failed_last = False
            records.append(record)
    return records, failed_last or not whole_last  # a whole last record without its newline: rewritten


def _metrics_lines(handle: BinaryIO, path: Path) -> Iterator[bytes | None]:
    """Each line of ``handle``, with its newline when it has one; None for a line longer than
    METRICS_LINE_MAX_BYTES (read past in pieces). CheckpointError when the file is, or grows,
    past METRICS_MAX_BYTES."""
    size = path.stat().st_size
    if size > METRICS_MAX_BYTES:
        raise CheckpointError(
            f"{path}: {size:,} bytes, more than a run's metrics can be ({METRICS_MAX_BYTES:,}); "
            "move it aside to open or resume the run without its curves"
        )
    read = 0
    while line := handle.readline(METRICS_LINE_MAX_BYTES + 1):
        read += len(line)
        oversized = len(line) > METRICS_LINE_MAX_BYTES and not line.endswith(b"\n")
        while oversized and line and not line.endswith(b"\n"):  # the rest of it, piece by piece
            line = handle.readline(METRICS_LINE_MAX_BYTES)
            read += len(line)
        if read > METRICS_MAX_BYTES:  # appended to since it was measured
            raise CheckpointError(f"{path}: more than a run's metrics can be ({METRICS_MAX_BYTES:,} bytes)")
        yield None if oversized else line


def _metrics_record(line: bytes | None, source: str) -> dict[str, Any]:
    """One metrics line as its record; CheckpointError naming ``source`` when it is none."""
    if line is None:
        raise CheckpointError(f"{source}: more than {METRICS_LINE_MAX_BYTES:,} bytes, longer than any record")
    record = parse_json_object(line, source, CheckpointError)
    if "iteration" in record:  # what a resume cuts the metrics back by
        FieldReader(record, source, CheckpointError).integer("iteration")
    return record
