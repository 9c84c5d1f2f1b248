"""The Train view's centre: a run's progress beside the run buttons, its summary line and its curves."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.gui.train.run_launch import Launch
from app.gui.train.run_list import opened_run_summary
from app.gui.train.training_progress import TrainingProgress
from app.gui.train.worker import ProgressBatch
from app.gui.widgets.plots import LivePlots
from app.gui.widgets.wording import demos_text
from core.data.demo_set import DemoSet
from core.errors import StudioError
from core.train.best_policy import kept_policy_words
from core.train.events import Failed, Finished
from core.train.runs.run_dir import RunDir
from core.train.settings.config import TrainConfig
from core.train.shortfall import shortfall_reason


class RunBoard(QWidget):
    def __init__(self, buttons: Sequence[QPushButton], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = TrainingProgress()
        controls = QHBoxLayout()
        for button in buttons:
            controls.addWidget(button)
        controls.addWidget(self.progress, 1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.plots = LivePlots()
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.summary)
        layout.addWidget(self.plots, 1)

    disc_accuracy: float | None = None  # D's in the latest iteration, for the shortfall's reason
    config: TrainConfig | None = None  # the run's, once one starts

    def clear(self) -> None:
        """Nothing on show (the run shown belonged to another workspace)."""
        self.plots.reset()
        self.summary.clear()
        self.progress.idle()

    def show_start(self, launch: Launch) -> None:
        """A run starting or resuming: its curves so far, where its progress starts, what it trains on."""
        self.disc_accuracy = None
        self.config = launch.config
        config = launch.config
        demos = launch.demos
        run_dir = launch.run_dir
        state = launch.resume_state or {}
        self.plots.clear_for(config)
        self.plots.set_references(float(demos.returns.mean()), float(demos.lengths.mean()))
        if launch.resumes:
            self.plots.add_records(RunDir(run_dir).metrics())
        # The child process takes a few seconds to start; "idle" or the last run's outcome there
        # would say nothing is happening.
        bc = config.algo == "bc"
        self.progress.begin(
            config.progress_of(int(state.get("iteration", 0)), int(state.get("env_steps", 0))),
            config.progress_total,  # where it ends: whole batches
            bc,
            f"{'resuming' if launch.resume_state else 'starting'} {run_dir.name}…",
        )
        what = "BC" if bc else f"GAIL + {config.generator}, reward {config.reward}, {config.steps_trained:,} env steps"
        start_from = f", starting from {launch.start_from.name}" if launch.start_from else ""
        self.summary.setText(
            f"Training {what} on {config.env} from {demos_text(demos)} (mean return {demos.returns.mean():.1f})"
            f"{start_from} on <b>{launch.device}</b>. Run folder: {run_dir}"
        )

    def add_batch(self, batch: ProgressBatch) -> None:
        """A batch of iterations: onto the curves, and the progress to the latest."""
        self.plots.add_records({"env_steps": s.env_steps, "iteration": s.iteration, **s.scalars} for s in batch.stats)
        if batch.stats:
            latest = batch.stats[-1]
            self.disc_accuracy = latest.scalars.get("disc_accuracy", self.disc_accuracy)
            done = latest.iteration if self.progress.epochs else latest.env_steps
            self.progress.advance(done, latest.scalars.get("eval_return"))

    def show_finished(self, event: Finished, demos: DemoSet) -> str:
        """The run finished or stopped: how far it went, its final evaluation beside the demos', and
        why it falls short of them if it does (under it); returns the first line, for the status bar."""
        if not self.progress.epochs:
            self.progress.latest = event.env_steps  # the last progress batch may be older
        if event.final_eval:
            f = event.final_eval
            text = (
                f"Finished after {self.progress.words()}: deterministic return {f.return_mean:.1f} ± "
                f"{f.return_std:.1f}, length {f.length_mean:.0f} (demos: {demos.returns.mean():.1f}, "
                f"{demos.lengths.mean():.0f})."
            )
            text += "".join(f"<br>{line}" for line in ending_words(event, self.config, self.progress.words()))
            reason = shortfall_reason(f, demos, self.disc_accuracy, self.config, event.env_steps)
        else:
            text, reason = f"Stopped after {self.progress.words()}; the checkpoint is saved, Resume continues it.", None
        self.summary.setText(f"{text}<br>⚠ {reason}" if reason else text)
        self.progress.setFormat(text.split(":")[0] if event.final_eval else "stopped")
        return text.split("<br>")[0]

    def show_failed(self, event: Failed) -> None:
        """The run failed: the reason, in red (the view's dialog gives the details)."""
        self.summary.setText(f"<span style='color:#b3261e'>Training failed: {event.message}</span>")
        self.progress.setFormat("failed")

    def show_opened(self, run: RunDir, config: TrainConfig, records: list[dict]) -> None:
        """A run folder opened, not training here: its curves, the demos' reference, its outcome."""
        if run.name == self.plots.compare_name:
            self.plots.set_comparison(None)  # a run compared with itself says nothing
        self.plots.clear_for(config)
        self.plots.add_records(records)
        self.plots.set_references(None, None)
        with contextlib.suppress(StudioError):  # the curves show even without the demos' record
            summary = run.demo_summary()
            if summary is not None:
                self.plots.set_references(summary.return_mean, summary.length_mean)
        text, files = opened_run_summary(run.path, len(records))
        self.summary.setText(text)
        self.summary.setToolTip(files)
        self.progress.show_opened(config, records, run.finished())


def ending_words(event: Finished, config: TrainConfig | None, how_far: str) -> list[str]:
    """Why a finished run ended before its total (``how_far``: where it ended, in words), and which of
    its policies it keeps, in plain words."""
    unit = config.progress_unit if config is not None else "env steps"
    lines = []
    if event.done_reason:
        lines.append(
            f"<b>Done</b>: the policy plays as well as your demos after {how_far} and has stopped "
            "improving. <i>Keep training</i> trains on to the total."
        )
    kept = kept_policy_words(event.final_eval, unit) if event.final_eval else None
    return [*lines, kept] if kept else lines
