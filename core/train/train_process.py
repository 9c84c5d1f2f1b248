"""Run a ``Trainer`` in a child process, with the same ``run(control) -> events`` interface.

Why a process: the GUI thread and a training thread share one GIL. On a 2-core laptop the
trainer's Python (env stepping, the update loop) and the GUI's Python (painting plots, the Watch
view's env) then take turns on one interpreter, and both slow down: measured here, a 16 ms GUI
timer had a p99 of 33-41 ms and training ran at 71-87% of its headless speed with the Watch view
playing. A child process has its own interpreter, so each side gets a core.

The child is started with ``spawn`` (a forked Qt process is unsafe). Events travel back over a
``multiprocessing`` pipe (pickled by the standard library between these two processes only; no
file is ever unpickled); pause, resume and stop travel the other way as short strings.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING

from core.data.demo_set import DemoSet
from core.errors import StudioError
from core.train.events import Event, Failed, Finished, TrainControl
from core.train.runs.run_dir import RunDir
from core.train.settings.config import TrainConfig, config_from_dict

if TYPE_CHECKING:
    from core.train.trainer import Trainer

POLL_S = 0.05  # how often the parent forwards control changes while waiting for events
TRAINER_NICENESS = 10  # the window's event loop goes first on a busy machine


@dataclass(frozen=True)
class _Job:
    config: dict
    demos_folder: str
    # The episodes chosen in the parent (the child trains on exactly these) and the ones left out
    # with why; None: the folder's own selection.
    demo_files: list[str] | None
    left_out: list[tuple[str, str]]
    run_dir: str | None
    resume: bool
    start_from: str | None = None  # another run whose networks the new run starts from


def _child_main(connection, job: _Job) -> None:  # runs in the child process
    control = TrainControl()
    # Below the window's priority (its rollout process inherits it): with training in two
    # processes on two cores, the GUI's timer p99 was 33 ms at equal priority; see docs/benchmarks.md "Measured".
    with contextlib.suppress(AttributeError, OSError):  # os.nice: POSIX only
        os.nice(TRAINER_NICENESS)
    try:
        # Imported here: the child starts from a fresh interpreter (spawn).
        from dataclasses import replace

        from core.data.demo_selection import only_files, training_demos
        from core.data.demo_set import InvalidDemo, load_demo_set
        from core.train.trainer import Trainer

        config = config_from_dict(job.config)
        demos = load_demo_set(Path(job.demos_folder), env_key=config.env)
        if job.demo_files is None:
            demos = training_demos(demos)
        else:
            demos = only_files(demos, [(name, "") for name in job.demo_files])  # the GUI names them; no hash to check
            left_out = tuple(InvalidDemo(demos.folder / name, reason) for name, reason in job.left_out)
            demos = replace(demos, left_out=left_out)
        run_dir, start_from = (Path(p) if p else None for p in (job.run_dir, job.start_from))
        trainer = Trainer(config, demos, run_dir=run_dir, resume=job.resume, start_from=start_from)
    except Exception as error:  # noqa: BLE001 - reported to the parent as a Failed event
        message = str(error) if isinstance(error, StudioError) else f"{type(error).__name__}: {error}"
        kept = RunDir(Path(job.run_dir)).latest_checkpoint() if job.run_dir else None
        connection.send(Failed(message, traceback.format_exc(), kept))
        connection.close()
        return

    def listen() -> None:
        try:
            while True:
                command = connection.recv()
                if command == "pause":
                    control.pause()
                elif command == "resume":
                    control.resume()
                elif command == "stop":
                    control.stop()
                    return
        except (EOFError, OSError):
            control.stop()  # the parent went away: stop (the trainer saves a checkpoint)

    threading.Thread(target=listen, daemon=True, name="train-control").start()
    for event in trainer.run(control):
        try:
            connection.send(event)
        except (BrokenPipeError, OSError):
            control.stop()
    connection.close()


class TrainProcess:
    """Trains in a child process; ``run`` yields the child's events like ``Trainer.run`` does."""

    def __init__(
        self,
        config: TrainConfig,
        demos: Path | DemoSet,
        run_dir: Path | None,
        resume: bool = False,
        start_from: Path | None = None,
    ) -> None:
        """``demos``: a chosen DemoSet (its episodes train), or a folder (its selection decides)."""
        self.config = config
        self.run_dir = run_dir
        if isinstance(demos, DemoSet):
            folder, files = demos.folder, [e.path.name for e in demos.episodes if e.path is not None]
            left_out = [(item.path.name, item.reason) for item in demos.left_out]
        else:
            folder, files, left_out = Path(demos), None, []
        where = str(run_dir) if run_dir else None
        self._job = _Job(config.to_dict(), str(folder), files, left_out, where, resume, str(start_from or "") or None)
        self._process: BaseProcess | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def run(self, control: TrainControl | None = None) -> Iterator[Event]:
        control = control or TrainControl()
        context = mp.get_context("spawn")
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(target=_child_main, args=(child_end, self._job), name="imitation-studio-trainer")
        process.start()
        self._process = process
        child_end.close()
        sent_pause, sent_stop = False, False
        ended = False
        try:
            while True:
                if control.stop_requested and not sent_stop:
                    parent_end.send("stop")
                    sent_stop = True
                elif control.paused != sent_pause and not sent_stop:
                    parent_end.send("pause" if control.paused else "resume")
                    sent_pause = control.paused
                if parent_end.poll(POLL_S):
                    try:
                        event = parent_end.recv()
                    except EOFError:
                        break
                    yield event
                    if isinstance(event, Finished | Failed):
                        ended = True
                        break
                elif not process.is_alive() and not parent_end.poll(0):
                    break
        finally:
            parent_end.close()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
        if not ended:
            yield Failed(
                f"the training process ended unexpectedly (exit code {process.exitcode})",
                "",
                RunDir(self.run_dir).latest_checkpoint() if self.run_dir is not None else None,
            )

    def kill(self) -> None:
        """Last resort when the child does not stop in time (its previous checkpoint stays whole)."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()


def training_source(
    config: TrainConfig,
    demos: DemoSet,
    run_dir: Path,
    in_process: bool,
    resume: bool = False,
    start_from: Path | None = None,
) -> Trainer | TrainProcess:
    """What a GUI's worker thread iterates: a child process (so that training and the window do not
    share one GIL), or with ``in_process`` a Trainer in this process (tests that patch the engine)."""
    if in_process:
        from core.train.trainer import Trainer

        return Trainer(config, demos, run_dir=run_dir, resume=resume, start_from=start_from)
    return TrainProcess(config, demos, run_dir, resume=resume, start_from=start_from)
