"""The Train view's settings: which demos, which algorithm and reward, and every TrainConfig field.

The main fields start at the chosen env's defaults; Advanced opens the rest, built from the
config's own metadata (``app.gui.train.config_form``). The panel gives a validated ``TrainConfig``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.gui.train.config_form import ConfigForm, advanced_field_names
from app.gui.widgets.demo_filter import DemoFilterBox
from app.gui.widgets.wording import count
from core.data.demo_selection import training_demos
from core.data.demo_set import episode_files, load_demo_set
from core.data.demo_warnings import bad_endings_warning
from core.data.ending_choice import choose_endings
from core.data.workspace import Workspace
from core.envs.registry import REGISTRY
from core.errors import StudioError
from core.paths import sample_demos_dir
from core.rl.reward_forms import REWARD_FORMS
from core.train.runs.run_dir import RunDir
from core.train.settings.config import TrainConfig, default_config
from core.train.settings.device import device_for, resolve_device

ALGORITHMS = (
    ("GAIL + PPO-clip", "gail", "ppo-clip"),
    ("GAIL + PPO adaptive-KL penalty", "gail", "ppo-kl"),
    ("GAIL + TRPO", "gail", "trpo"),
    ("Behaviour cloning (baseline)", "bc", "ppo-clip"),
)
MAIN_FIELDS = ("learning_rate", "num_envs", "disc_learning_rate", "bc_warmstart_epochs", "bc_coef", "env_reward_weight")
# Kept across restarts (the rest follows the demo set's env defaults or the run opened).
REMEMBERED_FIELDS = ("total_steps", "seed")
# Set by their own widgets above the form.
OWN_WIDGETS = ("algo", "generator", "reward", "total_steps", "seed", "device")


@dataclass(frozen=True)
class DemoChoice:
    label: str
    folder: Path
    env_key: str


class TrainSettingsPanel(QScrollArea):
    """Demos, algorithm, reward and the config's fields, in a scroll area."""

    advanced_opened = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._form_env: str | None = None
        self._demo_combo = QComboBox()
        self._demo_combo.currentIndexChanged.connect(self._on_demo_set_changed)
        self._demo_warning = QLabel()
        self._demo_warning.setWordWrap(True)
        self._demo_warning.setStyleSheet("color: #b3261e;")
        self._demo_warning.hide()
        self._demo_count = QLabel()
        self._demo_count.setWordWrap(True)
        self.demo_filters = DemoFilterBox(compact=True)
        self.demo_filters.changed.connect(lambda: self._warn_about_demos(self._demo_combo.currentData()))
        self._algo_combo = QComboBox()
        for label, algo, generator in ALGORITHMS:
            self._algo_combo.addItem(label, f"{algo}/{generator}")  # a string: Qt turns tuples into lists
        self._reward_combo = QComboBox()
        # The formula fits the settings column at 1280x800; the plain words wrap in a line below it.
        for index, (key, form) in enumerate(REWARD_FORMS.items()):
            self._reward_combo.addItem(form.formula, key)
            self._reward_combo.setItemData(index, form.meaning, Qt.ItemDataRole.ToolTipRole)
        self._reward_hint = QLabel()
        self._reward_hint.setWordWrap(True)
        self._reward_hint.setStyleSheet("color: palette(placeholder-text);")
        self._reward_combo.currentIndexChanged.connect(self._show_reward_hint)
        self._show_reward_hint()
        self._algo_combo.currentIndexChanged.connect(self._on_algorithm_changed)
        self._top_form = ConfigForm(("total_steps", "seed", "device"))
        self._device_label = QLabel()
        self._device_label.setWordWrap(True)
        self._top_form.editors["device"].widget.currentIndexChanged.connect(self._show_device)
        self._main_form = ConfigForm(MAIN_FIELDS)
        self._advanced_form = ConfigForm(advanced_field_names(MAIN_FIELDS + OWN_WIDGETS))
        for name in ("hidden_size", "disc_hidden_size"):  # auto's choice depends on the networks' width
            for form in (self._top_form, self._main_form, self._advanced_form):
                if name in form.editors and hasattr(form.editors[name].widget, "valueChanged"):
                    form.editors[name].widget.valueChanged.connect(self._show_device)
        # A check box, not a checkable group box: closed, that left an empty grey box behind.
        self._advanced_box = QCheckBox("Advanced settings")
        self._advanced_box.toggled.connect(self._advanced_form.setVisible)
        self._advanced_form.setVisible(False)
        self._advanced_form.editors["failed_endings"].widget.currentIndexChanged.connect(
            lambda: self._warn_about_demos(self._demo_combo.currentData())
        )
        defaults_button = QPushButton("Reset settings to this env's defaults")
        defaults_button.clicked.connect(lambda: self._load_defaults(force=True))

        choose = QFormLayout()
        # The demo sets' names are the longest choices ("My demos · Lunar Lander (continuous) (12
        # episodes)"): their box takes the whole width, under its label.
        choose.addRow(QLabel("Demonstrations"))
        choose.addRow(self._demo_combo)
        choose.addRow("Train on", self.demo_filters)
        choose.addRow(self._demo_count)
        choose.addRow(self._demo_warning)
        choose.addRow("Algorithm", self._algo_combo)
        choose.addRow("Imitation reward", self._reward_combo)
        choose.addRow("", self._reward_hint)
        settings = QVBoxLayout()
        settings.addLayout(choose)
        settings.addWidget(self._top_form)
        settings.addWidget(self._device_label)
        settings.addWidget(self._main_form)
        settings.addWidget(defaults_button)
        settings.addWidget(self._advanced_box)
        settings.addWidget(self._advanced_form)
        settings.addStretch(1)
        self._settings_widget = QWidget()
        self._settings_widget.setLayout(settings)
        self.setWidgetResizable(True)
        self.setWidget(self._settings_widget)
        self.setMinimumWidth(290)
        self._advanced_box.toggled.connect(self._reveal_advanced)
        self._on_algorithm_changed()

    def refresh_demo_sets(self) -> None:
        """List the workspace's demo sets that have episodes, then the bundled samples."""
        current = self._demo_combo.currentData()
        choices: list[DemoChoice] = []
        for key, spec in REGISTRY.items():
            mine = self.workspace.root / "demos" / key
            n_files = len(episode_files(mine)) if mine.is_dir() else 0
            if n_files:
                label = f"My demos · {spec.display_name} ({count(n_files, 'episode')})"
                choices.append(DemoChoice(label, mine, key))
        for key, spec in REGISTRY.items():
            if sample_demos_dir(key).is_dir():
                choices.append(DemoChoice(f"Samples · {spec.display_name}", sample_demos_dir(key), key))
        self._demo_combo.blockSignals(True)
        self._demo_combo.clear()
        for choice in choices:
            self._demo_combo.addItem(choice.label, choice)
        index = next((i for i, c in enumerate(choices) if current is not None and c.folder == current.folder), 0)
        self._demo_combo.setCurrentIndex(index)
        self._demo_combo.blockSignals(False)
        self._on_demo_set_changed()

    def select_demos(self, folder: Path) -> None:
        for index in range(self._demo_combo.count()):
            if self._demo_combo.itemData(index).folder == Path(folder):
                self._demo_combo.setCurrentIndex(index)
                return
        raise StudioError(f"{folder}: not one of the listed demo sets")

    def select_algorithm(self, algo: str, generator: str = "ppo-clip") -> None:
        index = self._algo_combo.findData(f"{algo}/{generator}")
        if index < 0:
            raise StudioError(f"unknown algorithm {algo}/{generator}")
        self._algo_combo.setCurrentIndex(index)

    def set_value(self, name: str, value: object) -> None:
        """Set one config field in whichever form holds it (for tests and the settings restore)."""
        for form in (self._top_form, self._main_form, self._advanced_form):
            if name in form.editors:
                form.editors[name].set(value)
                return
        if name == "reward":
            self._reward_combo.setCurrentIndex(self._reward_combo.findData(value))
            return
        raise StudioError(f"unknown setting {name!r}")

    def _on_demo_set_changed(self) -> None:
        choice = self._demo_combo.currentData()
        if choice is not None and choice.env_key != self._form_env:
            self._load_defaults()
        self._warn_about_demos(choice)

    def _warn_about_demos(self, choice: DemoChoice | None) -> None:
        """Say how many demos train, and warn when most of them ended badly: GAIL imitates the way
        they flew (only their good endings teach D what an ending should be)."""
        text, counted = "", ""
        writable = choice is not None and choice.folder != sample_demos_dir(choice.env_key)
        self.demo_filters.set_folder(choice.folder if choice else None, writable)
        if choice is not None:
            try:
                demos = training_demos(load_demo_set(choice.folder, env_key=choice.env_key))
            except StudioError as error:
                demos, text = None, f"⚠ {error}"
            if demos is not None and demos.left_out:
                counted = (
                    f"{len(demos.episodes)} of {count(len(demos.episodes) + len(demos.left_out), 'episode')} "
                    "train (ticks: the Record view's list)."
                )
            bc = str(self._algo_combo.currentData()).startswith("bc/")  # BC copies the endings too
            endings = choose_endings(demos, self._failed_endings()) if demos is not None else None
            if endings is not None and not bc:
                counted = f"{counted} Endings: {endings.reason}.".strip()
            imitated = bc or (endings is not None and endings.imitate_failed)
            # For GAIL the Endings line above says what is imitated; the warning only warns.
            warning = bad_endings_warning(demos, imitated, say_what=bc) if demos is not None else None
            if warning:
                text = f"⚠ {warning}"
        self._demo_count.setText(counted)
        self._demo_count.setVisible(bool(counted))
        self._demo_warning.setText(text)
        self._demo_warning.setVisible(bool(text))

    def _failed_endings(self) -> str:
        """The Advanced form's choice of what failed endings teach D (auto until the form exists)."""
        form = getattr(self, "_advanced_form", None)
        return str(form.editors["failed_endings"].get()) if form is not None else "auto"

    def ending_choice_text(self) -> str:
        """The line under the demo set that says what GAIL makes of its endings (empty for BC)."""
        return self._demo_count.text()

    def _reveal_advanced(self, shown: bool) -> None:
        if shown:
            self.advanced_opened.emit()  # the view gives the panel more of its height
            # Once the box is laid out: its first rows at the top of the scroll area.
            QTimer.singleShot(0, lambda: self.verticalScrollBar().setValue(self._advanced_box.y()))

    def _on_algorithm_changed(self) -> None:
        gail = self._algo_combo.currentData().startswith("gail/")
        self._reward_combo.setEnabled(gail)
        self._reward_hint.setEnabled(gail)
        self._warn_about_demos(self._demo_combo.currentData())  # its words depend on the learner

    def _show_reward_hint(self) -> None:
        form = REWARD_FORMS.get(self._reward_combo.currentData())
        self._reward_hint.setText(form.meaning if form is not None else "")

    def reward_hint(self) -> str:
        """The plain-words line under the reward choice (what the chosen form rewards)."""
        return self._reward_hint.text()

    def demo_choice(self) -> DemoChoice | None:
        """The demo set chosen (None when there is none to choose)."""
        return self._demo_combo.currentData()

    def wanted_totals(self) -> tuple[int, int]:
        """The total env steps and the BC epochs set here (to extend a finished run)."""
        return int(self._top_form.editors["total_steps"].get()), int(self._advanced_form.editors["bc_epochs"].get())

    def _load_defaults(self, force: bool = False) -> None:
        choice = self._demo_combo.currentData()
        if choice is None:
            return
        config = default_config(choice.env_key)
        self._form_env = choice.env_key
        for form in (self._top_form, self._main_form, self._advanced_form):
            form.load(config)
        self._reward_combo.setCurrentIndex(self._reward_combo.findData(config.reward))
        self._show_device()

    def _show_device(self) -> None:
        """Where the updates will run, by the rule a run follows (auto keeps small networks on the CPU)."""
        try:
            choice = device_for(self.config_from_form())
            device, why = choice.device.type, f"{choice.reason}; "
        except StudioError:  # no demos yet, or a field being edited: what the device box alone says
            try:
                device, why = resolve_device(self._top_form.editors["device"].get()).type, ""
            except StudioError as error:
                self._device_label.setText(f"<span style='color:#b3261e'>{error}</span>")
                return
        self._device_label.setText(f"Updates will run on: <b>{device}</b> ({why}env stepping on the CPU)")

    def config_from_form(self) -> TrainConfig:
        """The settings shown, validated (ConfigError names the field)."""
        choice: DemoChoice = self._demo_combo.currentData()
        if choice is None:
            raise StudioError("no demonstrations to train from: record some in the Record view")
        algo, generator = self._algo_combo.currentData().split("/")
        values = {
            **self._top_form.values(),
            **self._main_form.values(),
            **self._advanced_form.values(),
            "algo": algo,
            "generator": generator,
            "reward": self._reward_combo.currentData(),
        }
        return default_config(choice.env_key, **values)

    def load_run_settings(self, config: TrainConfig, run_dir: Path) -> None:
        """Show a run's settings in the form (its demo set when it is listed), to read or to start again."""
        with contextlib.suppress(StudioError, KeyError, OSError):
            self.select_demos(RunDir(run_dir).demos_folder())
        self._form_env = config.env
        for form in (self._top_form, self._main_form, self._advanced_form):
            form.load(config)
        self.select_algorithm(config.algo, "ppo-clip" if config.algo == "bc" else config.generator)
        self._reward_combo.setCurrentIndex(self._reward_combo.findData(config.reward))
        self._show_device()

    def settings(self) -> dict[str, object]:
        choice = self._demo_combo.currentData()
        return {
            "demos": str(choice.folder) if choice else "",
            "algorithm": self._algo_combo.currentData(),
            "reward": self._reward_combo.currentData(),
            "advanced": self._advanced_box.isChecked(),
            **{name: self._top_form.editors[name].get() for name in REMEMBERED_FIELDS},
        }

    def restore_settings(self, values: dict[str, object]) -> None:
        folder = values.get("demos")
        if folder:
            with contextlib.suppress(StudioError):
                self.select_demos(Path(str(folder)))
        index = self._algo_combo.findData(str(values.get("algorithm", "")))
        if index >= 0:
            self._algo_combo.setCurrentIndex(index)
        reward = values.get("reward")
        if reward in REWARD_FORMS:
            self._reward_combo.setCurrentIndex(self._reward_combo.findData(reward))
        self._advanced_box.setChecked(str(values.get("advanced", "false")).lower() == "true")
        for name in REMEMBERED_FIELDS:  # after the demo set, whose env's defaults they override
            if name in values:
                with contextlib.suppress(StudioError, TypeError, ValueError):
                    self._top_form.editors[name].set(int(values[name]))
