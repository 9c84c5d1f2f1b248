"""The Train view: pick demos and an algorithm, start / pause / stop, live plots, the run list.

Training runs on a ``TrainingThread``; this view only receives throttled batches of statistics
(at most ~10 a second) and redraws from them. Each run is a folder in the workspace.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QSplitter, QVBoxLayout, QWidget

from app.gui.train.run_board import RunBoard
from app.gui.train.run_launch import Launch, coached_run, new_run, resumed_run, trained_on
from app.gui.train.run_list import RunListPanel
from app.gui.train.train_settings import TrainSettingsPanel
from app.gui.train.worker import ProgressBatch, TrainingThread
from app.gui.widgets.dialogs import Dialogs
from core.data.demo_set import DemoSet
from core.data.workspace import Workspace
from core.errors import StudioError
from core.train.events import CheckpointSaved, Failed, Finished
from core.train.runs.layout import run_folders
from core.train.runs.run_dir import NothingToResume, RunDir
from core.train.settings.config import TrainConfig
from core.train.train_process import TrainProcess, training_source


class TrainView(QWidget):
    status_message = Signal(str)
    snapshot_ready = Signal(object, object, object)  # PolicySnapshot, TrainConfig, DemoSet
    run_opened = Signal(object)  # Path of a run folder to watch
    training_finished = Signal(object)  # Finished or Failed

    def __init__(
        self,
        workspace: Workspace,
        dialogs: Dialogs | None = None,
        parent: QWidget | None = None,
        in_process: bool = False,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        # False (the default): train in a child process, so that training and the GUI do not
        # share one GIL. True: in a thread of this process (tests that patch the engine use it).
        self.in_process = in_process
        self.dialogs = dialogs or Dialogs()
        self.training: TrainingThread | None = None
        self.config: TrainConfig | None = None
        self.demos: DemoSet | None = None
        self.run_dir: Path | None = None
        self.last_event: Finished | Failed | None = None
        self._build()
        self.settings_panel.refresh_demo_sets()
        self.refresh_runs()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.settings_panel = TrainSettingsPanel(self.workspace)
        self.settings_panel.advanced_opened.connect(self._give_settings_room)
        self.start_button = QPushButton("Start training")
        self.start_button.clicked.connect(self.start)
        self.pause_button = QPushButton("Pause")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        # Shown when the stopping rule ended the last run: it trains on to the run's total.
        self.keep_training_button = QPushButton("Keep training")
        self.keep_training_button.setToolTip("The run stopped because it was done: train it on to its total")
        self.keep_training_button.clicked.connect(self.keep_training)
        buttons = (self.start_button, self.pause_button, self.stop_button, self.keep_training_button)
        self.board = RunBoard(buttons)
        # The board's parts under the view's names: the tests and the window reach them here.
        self.progress = self.board.progress
        self.summary = self.board.summary
        self.plots = self.board.plots
        self.run_list = RunListPanel(self.dialogs)
        self.run_list.status_message.connect(self.status_message)
        self.run_list.open_requested.connect(self.open_selected_run)
        self.run_list.resume_requested.connect(self.resume_selected_run)
        self.run_list.compare_requested.connect(self.compare_selected_run)
        # Settings above the runs, with a handle between them: opening Advanced gives the settings
        # most of the height instead of a one-row scroll box.
        self._left_splitter = QSplitter(Qt.Orientation.Vertical)
        self._left_splitter.addWidget(self.settings_panel)
        self._left_splitter.addWidget(self.run_list)
        self._left_splitter.setStretchFactor(0, 3)
        self._left_splitter.setStretchFactor(1, 2)
        self._left_splitter.setChildrenCollapsible(False)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._left_splitter)
        splitter.addWidget(self.board)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)
        self._update_controls()

    # ------------------------------------------------------------------ demo sets and the form
    def set_workspace(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.settings_panel.workspace = workspace
        self.settings_panel.refresh_demo_sets()
        self.refresh_runs()
        if not self.is_training:  # the last workspace's run stays on show only while it trains
            self.board.clear()

    def _give_settings_room(self) -> None:
        total = sum(self._left_splitter.sizes())
        self._left_splitter.setSizes([total * 4 // 5, total - total * 4 // 5])

    def show_my_demos(self, env_key: str) -> None:
        """Select the workspace's demo set of ``env_key`` (after an episode was kept there)."""
        self.settings_panel.refresh_demo_sets()
        if not self.is_training:
            with contextlib.suppress(StudioError):
                self.settings_panel.select_demos(self.workspace.root / "demos" / env_key)

    # ------------------------------------------------------------------ training
    @property
    def is_training(self) -> bool:
        return self.training is not None and self.training.running

    def start(self) -> bool:
        """Start a new run from the form; errors are shown, never raised. True when it started."""
        if self.is_training:
            return False
        try:
            launch = new_run(self.settings_panel, self.workspace)
        except (StudioError, OSError) as error:
            self.dialogs.error(self, "Cannot start training", str(error))
            return False
        return self._begin(launch)

    def start_from_run(self, source: Path, folder: Path | None = None) -> bool:
        """A new run from ``source``'s policy and D (coach mode's "train on corrections"), on its
        demos plus the corrections kept in ``folder`` (default: its demo folder), for the total
        steps set on the left."""
        if self.is_training:
            return False
        try:
            launch = coached_run(source, folder, self.settings_panel.wanted_totals()[0], self.workspace)
        except (StudioError, OSError) as error:
            self.dialogs.error(self, "Cannot train on corrections", str(error))
            return False
        return self._begin(launch)

    def _begin(self, launch: Launch) -> bool:
        config = launch.config
        demos = launch.demos
        run_dir = launch.run_dir
        try:
            source = training_source(config, demos, run_dir, self.in_process, launch.resumes, launch.start_from)
        except (StudioError, OSError) as error:  # OSError: a full disk; False: it did not start
            self.dialogs.error(self, "Cannot start training", str(error))
            return False
        self.config = config
        self.demos = demos
        self.run_dir = run_dir
        self.last_event = None
        self.board.show_start(launch)
        self.training = TrainingThread(source)
        worker = self.training.worker
        worker.progress.connect(self._on_progress)
        worker.checkpoint_saved.connect(self._on_checkpoint)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        self.training.thread.finished.connect(self._on_thread_done)
        self.training.start()
        self.status_message.emit("training resumed" if launch.resumes else "training started")
        self.refresh_runs()
        self._update_controls()
        return True

    def toggle_pause(self) -> None:
        if not self.is_training:
            return
        control = self.training.control
        if control.paused:
            control.resume()
            self.progress.resume()
            self.status_message.emit("training resumed")
        else:
            control.pause()
            self.progress.pause()
            self.status_message.emit("training paused")
        self._update_controls()

    def stop(self) -> None:
        if self.is_training:
            self.training.control.stop()
            self.status_message.emit("stopping: saving a checkpoint")
            self._update_controls()

    def _on_progress(self, batch: ProgressBatch) -> None:
        self.board.add_batch(batch)
        if batch.snapshot is not None:
            self.snapshot_ready.emit(batch.snapshot, self.config, self.demos)

    def _on_checkpoint(self, event: CheckpointSaved) -> None:
        self.status_message.emit(f"checkpoint saved at {self.progress.words()}")

    def _on_finished(self, event: Finished) -> None:
        self.last_event = event
        text = self.board.show_finished(event, self.demos)
        self.status_message.emit(text)
        self._update_controls()
        self.training_finished.emit(event)

    def _on_failed(self, event: Failed) -> None:
        self.last_event = event
        kept = f"\n\nThe last good checkpoint is kept: {event.checkpoint}" if event.checkpoint else ""
        self.board.show_failed(event)
        self._update_controls()
        self.training_finished.emit(event)
        self.dialogs.error(self, "Training failed", f"{event.message}{kept}", event.traceback)

    def _on_thread_done(self) -> None:
        self.progress.stopped()
        self.refresh_runs()
        self._update_controls()

    def wait_until_done(self, timeout_s: float = 60.0) -> bool:
        """Block (processing events) until the run ends; for scripts and the screenshot command."""
        return self.training is None or self.training.wait_until(lambda: self.last_event is not None, timeout_s)

    def _update_controls(self) -> None:
        training = self.is_training
        # Between the run's last event and its thread's end (the child process exiting) there is
        # nothing left to pause or stop, and the settings are free again; Start waits for the end.
        ended = self.last_event is not None
        paused = training and self.training.control.paused
        stopping = training and self.training.control.stop_requested
        self.start_button.setEnabled(not training)
        self.pause_button.setEnabled(training and not stopping and not ended)
        self.pause_button.setText("Resume" if paused and not ended else "Pause")
        self.stop_button.setEnabled(training and not stopping and not ended)
        self.keep_training_button.setVisible(self._last_run_was_done())
        self.keep_training_button.setEnabled(not training)
        self.settings_panel.setEnabled(not training or ended)  # a running trainer would not see a change
        self.run_list.set_training(training)

    # ------------------------------------------------------------------ runs
    @property
    def runs(self):
        """The list widget of runs (for the tests)."""
        return self.run_list.runs

    def refresh_runs(self) -> None:
        training = (self.run_dir, self.config) if self.is_training and self.run_dir and self.config else None
        self.run_list.refresh(run_folders(self.workspace.runs_dir), training)

    def selected_run(self) -> Path | None:
        return self.run_list.selected_run()

    def select_run(self, run_dir: Path) -> None:
        self.run_list.select_run(run_dir)

    def open_selected_run(self) -> None:
        run_dir = self.selected_run()
        if run_dir is None:
            return
        if self.is_training and run_dir == self.run_dir:
            self.run_opened.emit(run_dir)
            return
        try:
            run = RunDir(run_dir)
            config = run.config()
            records = run.metrics()
        except StudioError as error:
            self.dialogs.error(self, "Cannot open the run", str(error))
            return
        if not self.is_training:
            self.board.show_opened(run, config, records)
            self.settings_panel.load_run_settings(config, run_dir)
        self.run_opened.emit(run_dir)

    def resume_selected_run(self) -> None:
        run_dir = self.selected_run()
        if run_dir is None or self.is_training:
            return
        try:
            launch = resumed_run(run_dir, self.settings_panel.wanted_totals)
        except NothingToResume as nothing:
            where = "BC epochs, under Advanced" if RunDir(run_dir).config().algo == "bc" else "Total steps, on the left"
            self.dialogs.info(self, "Nothing to resume", f"{nothing} ({where}).")
            return
        except (StudioError, OSError, ValueError) as error:
            self.dialogs.error(self, "Cannot resume the run", f"{run_dir}: {error}")
            return
        self._begin(launch)
        config = launch.config
        self.status_message.emit(f"resuming {run_dir.name} to {config.progress_total:,}")

    def keep_training(self) -> None:
        """Train the run the stopping rule ended on to its total, the rule off."""
        if self.is_training or self.run_dir is None or not self._last_run_was_done():
            return
        try:
            launch = trained_on(self.run_dir)
        except (StudioError, OSError, ValueError) as error:
            self.dialogs.error(self, "Cannot keep training", f"{self.run_dir}: {error}")
            return
        if self._begin(launch):
            self.status_message.emit(f"training {launch.run_dir.name} on to {launch.config.progress_total:,}")

    def _last_run_was_done(self) -> bool:
        return isinstance(self.last_event, Finished) and self.last_event.done_reason is not None

    def compare_selected_run(self) -> None:
        run_dir = self.selected_run()
        if run_dir is None:
            return
        try:
            records = RunDir(run_dir).metrics()
        except (StudioError, OSError) as error:
            self.dialogs.error(self, "Cannot compare with the run", str(error))
            return
        self.plots.set_comparison(records, run_dir.name)
        self.status_message.emit(f"dashed curves: {run_dir.name}")

    # ------------------------------------------------------------------ settings and closing
    def shutdown(self, timeout_s: float = 2.0) -> bool:
        """Stop training (a checkpoint is saved) and wait for it; True when it ended in time.

        A child process that has not stopped by then is killed; its previous checkpoint is whole
        (checkpoints are written atomically).
        """
        if self.training is None:
            return True
        ended = self.training.stop(timeout_s)
        if not ended:
            source = self.training.worker.trainer
            if isinstance(source, TrainProcess):
                source.kill()
                ended = self.training.thread.wait(2000)
        return ended
