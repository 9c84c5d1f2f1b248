"""The Watch view's timeline: a run's kept policy snapshots on a slider (its right end is the
latest checkpoint), with the progress reel and a video of what is shown."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from app.gui.widgets.dialogs import Dialogs
from core.errors import StudioError
from core.train.runs.run_dir import RunDir


class TimelineBar(QWidget):
    step_chosen = Signal(object)  # a kept step (int), or None for the latest checkpoint
    status_message = Signal(str)

    def __init__(self, dialogs: Dialogs, with_demo: Callable[[], bool], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dialogs = dialogs
        self.with_demo = with_demo  # whether a video shows the demo beside the policy
        self.run_dir: Path | None = None
        self.reel: QWidget | None = None
        self.steps: list[int] = []
        self.unit = "env steps"  # what the kept steps count: BC runs keep them by epoch
        self._renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="video")
        self._video: Future | None = None
        self._video_poll = QTimer(self)
        self._video_poll.timeout.connect(self._video_ended)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setPageStep(1)
        self.slider.valueChanged.connect(self._on_moved)
        self.label = QLabel()
        self.label.setMinimumWidth(190)
        self.reel_button = QPushButton("Progress reel")
        self.reel_button.setToolTip("The same episode played by the policy at 0, 25, 50 and 100 % of training")
        self.reel_button.clicked.connect(self.open_reel)
        self.video_button = QPushButton("Save video…")
        self.video_button.setToolTip("An MP4 or GIF of the policy shown (and the demo beside it, if shown)")
        self.video_button.clicked.connect(self.save_video)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Timeline"))
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.reel_button)
        layout.addWidget(self.video_button)
        self.set_steps([])

    def set_run(self, run_dir: Path | None, unit: str = "env steps") -> None:
        """The run shown (None: live training, which has no folder to read yet), and what its
        snapshots' steps count (``TrainConfig.progress_unit``)."""
        self.run_dir, self.unit = run_dir, unit
        self.video_button.setEnabled(run_dir is not None)
        self.set_steps(RunDir(run_dir).snapshot_steps() if run_dir is not None else [])

    def set_steps(self, steps: list[int]) -> None:
        """A run's kept steps (none: live training, or a run from before the timeline)."""
        self.steps = list(steps)
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(self.steps))  # the last position: the latest checkpoint
        self.slider.setValue(len(self.steps))
        self.slider.blockSignals(False)
        self.slider.setEnabled(bool(self.steps))
        self.reel_button.setEnabled(len(self.steps) >= 2)
        self._show_label()

    @property
    def chosen_step(self) -> int | None:
        index = self.slider.value()
        return self.steps[index] if index < len(self.steps) else None

    def choose(self, step: int | None) -> None:
        """Move to a kept step (None: the latest), as the user would."""
        self.slider.setValue(len(self.steps) if step is None else self.steps.index(step))

    def open_reel(self) -> None:
        from app.gui.watch.progress_reel import ProgressReel

        if self.run_dir is None:
            return
        try:
            self.reel = ProgressReel(self.run_dir, self)
        except StudioError as error:
            self.dialogs.error(self, "No progress reel", str(error))
            return
        self.reel.show()

    def save_video(self) -> None:
        """The policy shown (at the chosen step), beside its demo if one is shown, into a file."""
        from core.share.video import policy_video

        if self.run_dir is None:
            return
        step = self.chosen_step
        name = f"policy-{step}.mp4" if step is not None else "policy.mp4"
        target = self.dialogs.save_file(self, "Save a video", self.run_dir / name, "MP4 (*.mp4);;GIF (*.gif)")
        if target is None:
            return
        # Rendered beside the window (seconds for an episode): its own env and networks, from disk.
        self._video = self._renderer.submit(policy_video, self.run_dir, Path(target), 1, None, step, self.with_demo())
        self.video_button.setEnabled(False)
        self.video_button.setText("Saving video…")
        self.status_message.emit(f"rendering {target}…")
        self._video_poll.start(100)

    @property
    def video_running(self) -> bool:
        return self._video is not None

    def _video_ended(self) -> None:
        if self._video is None or not self._video.done():
            return
        future, self._video = self._video, None
        self._video_poll.stop()
        self.video_button.setText("Save video…")
        self.video_button.setEnabled(self.run_dir is not None)
        try:
            summary = future.result()
        except (StudioError, OSError) as error:
            self.dialogs.error(self, "Cannot save the video", str(error))
            return
        self.status_message.emit(f"video saved: {summary.path} ({summary.frames} frames)")

    def _on_moved(self) -> None:
        self._show_label()
        self.step_chosen.emit(self.chosen_step)

    def _show_label(self) -> None:
        step = self.chosen_step
        if not self.steps:
            self.label.setText("no snapshots kept")
        elif step is None:
            self.label.setText("latest checkpoint")
        else:
            self.label.setText(f"as at {step:,} {self.unit}")
