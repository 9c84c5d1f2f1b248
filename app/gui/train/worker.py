"""Runs the core trainer from a QThread and hands its events to the GUI thread, throttled.

The worker thread iterates anything with ``run(control) -> events``: the GUI gives it a
``core.train.train_process.TrainProcess`` (training in a child process, so the GUI keeps its own GIL);
tests may give it a ``Trainer`` directly. Iteration statistics are collected and sent
in batches at most ``max_updates_per_s`` times a second together with the latest policy
snapshot (older snapshots are dropped: the views only want the newest policy). Rare events
(checkpoints, the end, a failure) go out at once. The worker never touches a widget; signals
cross into the GUI thread as queued calls.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from core.train.events import CheckpointSaved, Event, Failed, Finished, IterationStats, PolicySnapshot, TrainControl


class EventSource(Protocol):
    """A ``Trainer`` or a ``TrainProcess``."""

    def run(self, control: TrainControl) -> Iterator[Event]: ...


@dataclass(frozen=True)
class ProgressBatch:
    """What the GUI gets per update: the iterations since the last one and the newest snapshot."""

    stats: list[IterationStats] = field(default_factory=list)
    snapshot: PolicySnapshot | None = None


class TrainingWorker(QObject):
    progress = Signal(object)  # ProgressBatch
    checkpoint_saved = Signal(object)  # CheckpointSaved
    finished = Signal(object)  # Finished
    failed = Signal(object)  # Failed
    done = Signal()  # the thread may end (after finished or failed)

    def __init__(self, trainer: EventSource, control: TrainControl, max_updates_per_s: float = 10.0) -> None:
        super().__init__()
        self.trainer = trainer
        self.control = control
        self.min_interval_s = 1.0 / max_updates_per_s
        self.batches_sent = 0

    @Slot()
    def run(self) -> None:
        pending: list[IterationStats] = []
        snapshot: PolicySnapshot | None = None
        last_sent = 0.0
        try:
            for event in self.trainer.run(self.control):
                if isinstance(event, IterationStats):
                    pending.append(event)
                elif isinstance(event, PolicySnapshot):
                    snapshot = event
                elif isinstance(event, CheckpointSaved):
                    self.checkpoint_saved.emit(event)
                elif isinstance(event, Finished | Failed):
                    self._send(pending, snapshot)
                    pending, snapshot = [], None
                    (self.finished if isinstance(event, Finished) else self.failed).emit(event)
                now = time.monotonic()
                if (pending or snapshot) and now - last_sent >= self.min_interval_s:
                    self._send(pending, snapshot)
                    pending, snapshot, last_sent = [], None, now
        except Exception as error:  # noqa: BLE001 - the trainer turns its errors into Failed; this is a last guard
            self.failed.emit(Failed(f"{type(error).__name__}: {error}", traceback.format_exc()))
        finally:
            self.done.emit()

    def _send(self, stats: list[IterationStats], snapshot: PolicySnapshot | None) -> None:
        if stats or snapshot:
            self.batches_sent += 1
            self.progress.emit(ProgressBatch(list(stats), snapshot))


class TrainingThread:
    """Owns the QThread, the worker and the control; ``stop`` ends training within ``timeout_s``."""

    def __init__(self, trainer: EventSource, max_updates_per_s: float = 10.0) -> None:
        self.control = TrainControl()
        self.thread = QThread()
        self.thread.setObjectName("training")
        self.worker = TrainingWorker(trainer, self.control, max_updates_per_s)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        # Direct: QThread.quit is thread-safe, and a queued call would wait for the GUI thread,
        # which may itself be blocked in ``stop`` waiting for this thread.
        self.worker.done.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)

    def start(self) -> None:
        self.thread.start()

    @property
    def running(self) -> bool:
        return self.thread.isRunning()

    def wait_until(self, ended: Callable[[], bool], timeout_s: float) -> bool:
        """Block, processing events, until the thread ends and ``ended()`` (the view saw the last
        event); for scripts and the screenshot command. False on the timeout."""
        deadline = time.monotonic() + timeout_s
        while self.running or not ended():
            QCoreApplication.processEvents()
            time.sleep(0.005)
            if time.monotonic() > deadline:
                return False
        QCoreApplication.processEvents()
        return True

    def stop(self, timeout_s: float = 2.0) -> bool:
        """Ask the trainer to stop (it saves a checkpoint) and wait; True when the thread ended."""
        self.control.stop()
        if not self.thread.isRunning():
            return True
        return self.thread.wait(int(timeout_s * 1000))
