"""The Train view's list of the workspace's runs, each with how it ended, and what can be done
with the one selected: open it, resume it, compare with it (the view acts on those, they touch
its training and plots), and export its policy (done here)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from app.gui.widgets.dialogs import Dialogs
from app.gui.widgets.wording import count
from core.errors import StudioError
from core.train.runs.run_dir import RunDir
from core.train.settings.config import TrainConfig


class RunListPanel(QGroupBox):
    open_requested = Signal()
    resume_requested = Signal()
    compare_requested = Signal()
    status_message = Signal(str)

    def __init__(self, dialogs: Dialogs, parent: QWidget | None = None) -> None:
        super().__init__("Runs in this workspace", parent)
        self.dialogs = dialogs
        self.runs = QListWidget()
        self.runs.itemSelectionChanged.connect(self._update_buttons)
        self.runs.itemDoubleClicked.connect(lambda _: self.open_requested.emit())
        self._open_button = QPushButton("Open")
        self._open_button.setToolTip("Show the run's curves and settings, and watch its policy")
        self._open_button.clicked.connect(self.open_requested)
        self._resume_button = QPushButton("Resume")
        self._resume_button.setToolTip("Continue training this run to its total (or to a larger one set on the left)")
        self._resume_button.clicked.connect(self.resume_requested)
        self._compare_button = QPushButton("Compare")
        self._compare_button.setToolTip("Draw this run's curves dashed next to the current ones")
        self._compare_button.clicked.connect(self.compare_requested)
        self._export_button = QPushButton("Export policy…")
        self._export_button.clicked.connect(self.export_selected_run)
        buttons = QGridLayout()  # two by two: the column stays narrow enough for small screens
        for index, button in enumerate((self._open_button, self._resume_button, self._compare_button)):
            buttons.addWidget(button, index // 2, index % 2)
        buttons.addWidget(self._export_button, 1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.runs)
        layout.addLayout(buttons)
        self._training = False
        self._update_buttons()

    def refresh(self, run_dirs: list[Path], training: tuple[Path, TrainConfig] | None = None) -> None:
        """List ``run_dirs`` (newest first) with their outcomes; ``training``: the run training now."""
        selected = self.selected_run()
        self._training = training is not None
        if training is not None and training[0] not in run_dirs:
            run_dirs = [training[0], *run_dirs]  # its child process has not written config.json yet
        self.runs.clear()
        for run_dir in run_dirs:
            item = QListWidgetItem(f"{run_dir.name}\n    {outcome_of(run_dir, training)}")
            item.setData(Qt.ItemDataRole.UserRole, run_dir)
            self.runs.addItem(item)
            if run_dir == selected:
                item.setSelected(True)
        self._update_buttons()

    def set_training(self, training: bool) -> None:
        """No resume while a run trains (one trainer at a time)."""
        self._training = training
        self._update_buttons()

    def selected_run(self) -> Path | None:
        items = self.runs.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def select_run(self, run_dir: Path) -> None:
        for index in range(self.runs.count()):
            item = self.runs.item(index)
            item.setSelected(item.data(Qt.ItemDataRole.UserRole) == Path(run_dir))

    def export_selected_run(self) -> None:
        """The selected run's policy into a file the user picks: its weights (safetensors), or an
        ONNX model with the normalisation inside (by the file's suffix)."""
        run_dir = self.selected_run()
        if run_dir is None:
            return
        target = self.dialogs.save_file(
            self,
            "Export the policy",
            run_dir / "policy.onnx",
            "ONNX model (*.onnx);;safetensors weights (*.safetensors)",
        )
        if target is None:
            return
        target = Path(target)
        if target.suffix.lower() not in (".onnx", ".safetensors"):
            # The suffix picks the format: any other name would get weights it does not announce.
            self.dialogs.error(
                self, "Export failed", f"{target}: name the file .onnx (a model) or .safetensors (the weights)"
            )
            return
        try:
            if target.suffix.lower() == ".onnx":
                from core.share.onnx_export import export_onnx  # torch's exporter: only when asked

                export_onnx(run_dir, target)
            else:
                RunDir(run_dir).export_policy(target)
        except (StudioError, OSError) as error:
            self.dialogs.error(self, "Export failed", str(error))
            return
        self.status_message.emit(f"policy exported to {target}")

    def _update_buttons(self) -> None:
        selected = self.selected_run() is not None
        for button in (self._open_button, self._compare_button, self._export_button):
            button.setEnabled(selected)
        self._resume_button.setEnabled(selected and not self._training)


def outcome_of(run_dir: Path, training: tuple[Path, TrainConfig] | None = None) -> str:
    """The reward form and how the run ended (or that it is training), for a list row."""
    now = training is not None and run_dir == training[0]
    try:
        config = training[1] if now and training is not None else RunDir(run_dir).config()
    except StudioError:
        return "unreadable config"
    details = f"reward {config.reward}, " if config.algo == "gail" else ""
    if now:
        return f"{details}training…"
    # Unreadable, or trained further since (an extended run stopped): the run can be resumed.
    result = RunDir(run_dir).finished_eval()
    if result is None:
        return f"{details}stopped (resumable)"
    return f"{details}return {result.return_mean:.1f}, length {result.length_mean:.0f}"


def opened_run_summary(run_dir: Path, iterations: int) -> tuple[str, str]:
    """The Train view's line for a reopened run, and its tooltip (the demo files it trained on)."""
    used, files = demos_used(run_dir)
    text = (
        f"Run {run_dir.name}: {count(iterations, 'iteration')}, {outcome_of(run_dir)}. {used} "
        "The settings on the left are this run's."
    )
    return text.replace("  ", " "), files


def demos_used(run_dir: Path) -> tuple[str, str]:
    """What a run trained on: a short sentence, and every file (with why others were left out)
    for a tooltip; empty for a run that did not record its files."""
    try:
        summary = RunDir(run_dir).demo_summary()
    except StudioError:
        return "", ""
    if summary is None or not summary.files:
        return "", ""
    files, left_out, corrections = summary.files, summary.left_out, summary.corrections
    text = f"Trained on {count(len(files) - corrections, 'demo')} of {Path(summary.folder).name}"
    if corrections:
        text += f" + {count(corrections, 'correction')} ({count(summary.correction_steps, 'step')} you played)"
    text += f" ({len(left_out)} left out)." if left_out else "."
    lines = [f"{item.name}: {item.ending}, return {item.episode_return:.1f}" for item in files]
    lines += [f"left out {item.name}: {item.reason}" for item in left_out]
    return text, "\n".join(lines)
