"""The Record view's list of demonstrations: the user's demo set of an env or its bundled samples,
with replay (a request to the view), delete with undo, and copying the samples in.

Curation: each episode shows how it ended and, once a GAIL run has trained on the folder, how
expert-like that run's D finds it, the ones unlike the rest flagged; a tick (and the filters
under the list) choose what trains, stored in the folder's ``selection.json``.

Files that cannot be used are listed in red with the reason; the rest still load. Deleted files
wait in the folder's trash until the window closes or the workspace changes (``empty_trash``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.record.demo_rows import COLUMNS, column, episode_items, unusable_items
from app.gui.record.demo_scoring import DemoScoreSource
from app.gui.widgets.demo_filter import DemoFilterBox
from app.gui.widgets.dialogs import Dialogs
from app.gui.widgets.wording import count
from core.data.demo_selection import save_selection
from core.data.demo_set import DemoSet, load_demo_set
from core.data.episode import Episode
from core.data.workspace import TRASH_DIR, Workspace, move_to_trash, restore_from_trash
from core.errors import DemoError, StudioError
from core.paths import sample_demos_dir

MY_DEMOS, SAMPLES = "mine", "samples"


class DemoListPanel(QGroupBox):
    """The episodes of one env's demo set (or its samples), with what can be done to them."""

    status_message = Signal(str)
    replay_requested = Signal(object, object)  # the Episode to replay, and D along it (or None)

    def __init__(self, workspace: Workspace, env_key: str, dialogs: Dialogs, parent: QWidget | None = None) -> None:
        super().__init__("Demonstrations", parent)
        self.workspace = workspace
        self.env_key = env_key
        self.dialogs = dialogs
        self.demo_set: DemoSet | None = None
        self._shown_episodes: list[Episode] = []
        self._undo: list[Path] = []  # trashed files, newest last
        self._expert_levels: dict[str, float | None] = {}
        self.scores = DemoScoreSource(workspace)
        self._filling = False  # set while the table is filled: item changes are not ticks
        self._set_combo = QComboBox()
        self._set_combo.addItem("My demos (workspace)", MY_DEMOS)
        self._set_combo.addItem("Bundled samples (read-only)", SAMPLES)
        self._set_combo.currentIndexChanged.connect(lambda _: self.reload_episodes())
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # The file name is shown whole (the table scrolls sideways when it must): cut in the
        # middle it read "202...npz", which tells nothing.
        self.table.horizontalHeader().setSectionResizeMode(column("File"), QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _: self.replay_selected())
        self._replay_button = QPushButton("Replay")
        self._replay_button.clicked.connect(self.replay_selected)
        self._delete_button = QPushButton("Delete")
        self._delete_button.clicked.connect(self.delete_selected)
        self.undo_button = QPushButton("Undo delete")
        self.undo_button.clicked.connect(self.undo_delete)
        self.copy_button = QPushButton("Copy samples into my demos")
        self.copy_button.clicked.connect(self.copy_samples)
        QShortcut(QKeySequence.StandardKey.Undo, self, activated=self.undo_delete)
        # The Delete key on the list does what the Delete button does (not while the game has the
        # keys: the frame takes every key itself).
        QShortcut(
            QKeySequence.StandardKey.Delete,
            self.table,
            activated=self.delete_selected,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        buttons = QHBoxLayout()
        for button in (self._replay_button, self._delete_button, self.undo_button):
            buttons.addWidget(button)
        self.filters = DemoFilterBox()
        self.filters.changed.connect(self.reload_episodes)
        self.filters.failed.connect(self.status_message)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b3261e;")
        self.warning.hide()
        demos_layout = QVBoxLayout(self)
        demos_layout.addWidget(self._set_combo)
        demos_layout.addWidget(self.table, 1)
        demos_layout.addWidget(self.filters)
        demos_layout.addLayout(buttons)
        demos_layout.addWidget(self.copy_button)
        demos_layout.addWidget(self.summary)
        demos_layout.addWidget(self.warning)

    def set_env(self, env_key: str) -> None:
        self.env_key = env_key
        self.copy_button.setEnabled(sample_demos_dir(env_key).is_dir())
        self.reload_episodes()

    def set_workspace(self, workspace: Workspace) -> None:
        self.empty_trash()
        self.workspace = workspace
        self.reload_episodes()

    def replay_selected(self) -> None:
        episode = self.selected_episode()
        if episode is not None:
            score = self.scores.score_of(episode)
            self.replay_requested.emit(episode, None if score is None else score.per_step)

    @property
    def showing_samples(self) -> bool:
        return self._set_combo.currentData() == SAMPLES

    def show_samples(self, samples: bool) -> None:
        self._set_combo.setCurrentIndex(self._set_combo.findData(SAMPLES if samples else MY_DEMOS))

    def current_folder(self) -> Path:
        return sample_demos_dir(self.env_key) if self.showing_samples else self.workspace.demos_dir(self.env_key)

    def reload_episodes(self) -> None:
        """Reread the shown demo set; bad files are listed with their reason, never fatal."""
        folder = self.current_folder()
        try:
            self.demo_set = load_demo_set(folder, env_key=self.env_key)
        except DemoError:
            self.demo_set = DemoSet(folder, self.env_key, (), ())  # missing or empty: nothing yet
        selection = self.filters.set_folder(folder, writable=not self.showing_samples)
        self.table.setColumnHidden(column("Train"), self.showing_samples)  # the samples are read-only
        self.scores.update(self.demo_set)
        demo_set = self.demo_set
        episodes = sorted(demo_set.episodes, key=lambda e: e.meta.recorded_at, reverse=True)
        self._shown_episodes = episodes
        self._filling = True
        self.table.setRowCount(len(episodes) + len(demo_set.invalid))
        left_out = 0
        for row, episode in enumerate(episodes):
            reason = selection.reason_to_leave_out(episode)
            left_out += reason is not None
            self._fill_row(row, episode, reason)
        for offset, bad in enumerate(demo_set.invalid):
            for index, item in enumerate(unusable_items(bad)):
                self.table.setItem(len(episodes) + offset, index, item)
        self._filling = False
        for index in range(len(COLUMNS) - 1):
            self.table.resizeColumnToContents(index)
        self._update_summary(left_out)
        self._update_buttons()

    def _fill_row(self, row: int, episode: Episode, left_out: str | None) -> None:
        score = self.scores.score_of(episode)
        items = episode_items(episode, score, self.scores.run_name, left_out, self.showing_samples)
        for name, item in items.items():
            self.table.setItem(row, column(name), item)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        """A tick changed: store it in the folder's selection, then show what now trains."""
        if self._filling or item.column() != column("Train") or item.row() >= len(self._shown_episodes):
            return
        episode = self._shown_episodes[item.row()]
        if episode.path is None or self.showing_samples:
            return
        ticked = item.checkState() == Qt.CheckState.Checked
        try:
            save_selection(episode.path.parent, self.filters.selection().with_ticked(episode.path.name, ticked))
        except OSError as error:
            self.dialogs.error(self, "Could not store the choice", f"{episode.path.parent}: {error}")
        self.reload_episodes()

    def set_ticked(self, name: str, ticked: bool) -> None:
        """Tick a demo in or out by file name (as a click on its tick box does)."""
        row = next(i for i, e in enumerate(self._shown_episodes) if e.path is not None and e.path.name == name)
        self.table.item(row, column("Train")).setCheckState(
            Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        )

    def _update_summary(self, left_out: int) -> None:
        demo_set = self.demo_set
        where = "bundled samples" if self.showing_samples else "my demos"
        if demo_set.episodes:
            returns = demo_set.returns
            text = (
                f"<b>{count(len(demo_set.episodes), 'episode')}</b> ({where}) · {demo_set.n_steps:,} steps · "
                f"mean return <b>{returns.mean():.1f}</b> ± {returns.std():.1f} · "
                f"mean length {demo_set.lengths.mean():.0f}"
            )
            if left_out:
                text += (
                    f"<br>{len(demo_set.episodes) - left_out} of {len(demo_set.episodes)} train ({left_out} left out)."
                )
            text += self.scores.summary()
        else:
            text = f"No episodes yet in {where}. Play an episode and keep it"
            text += ", or copy the samples in." if sample_demos_dir(self.env_key).is_dir() else "."
        expert = self._expert_level()
        if expert is not None:
            text += f"<br>Scripted expert: mean return {expert:.1f} (the bundled samples)."
        self.summary.setText(text)
        if demo_set.invalid:
            lines = "".join(f"<br>{bad.path.name}: {bad.reason}" for bad in demo_set.invalid)
            self.warning.setText(f"⚠ {len(demo_set.invalid)} file(s) in {demo_set.folder} cannot be used:{lines}")
            self.warning.show()
        else:
            self.warning.hide()

    def _expert_level(self) -> float | None:
        key = self.env_key
        if key not in self._expert_levels:
            try:
                samples = load_demo_set(sample_demos_dir(key), env_key=key)
                self._expert_levels[key] = float(samples.returns.mean()) if samples.episodes else None
            except DemoError:
                self._expert_levels[key] = None
        return self._expert_levels[key]

    def selected_episode(self) -> Episode | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._shown_episodes):
            return None
        return self._shown_episodes[rows[0].row()]

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def _update_buttons(self) -> None:
        selected = self.selected_episode() is not None
        self._replay_button.setEnabled(selected)
        self._delete_button.setEnabled(selected and not self.showing_samples)
        self.undo_button.setEnabled(bool(self._undo))

    def delete_selected(self) -> None:
        episode = self.selected_episode()
        if episode is None or self.showing_samples or episode.path is None:
            return
        try:
            self._undo.append(move_to_trash(episode.path))
        except OSError as error:
            self.dialogs.error(self, "Could not delete the episode", f"{episode.path}: {error}")
            return
        self.status_message.emit(f"deleted {episode.path.name} (Undo delete or Ctrl+Z brings it back)")
        self.reload_episodes()

    def undo_delete(self) -> None:
        if not self._undo:
            return
        trashed = self._undo.pop()
        try:
            restored = restore_from_trash(trashed)
        except (StudioError, OSError) as error:
            self.dialogs.error(self, "Could not undo the delete", str(error))
            return
        if restored.parent != self.current_folder():
            self.show_samples(False)
        self.status_message.emit(f"restored {restored.name}")
        self.reload_episodes()

    def empty_trash(self) -> None:
        """Deletes become final (on close or workspace change): the undo list is dropped."""
        for trashed in self._undo:
            trashed.unlink(missing_ok=True)
        for folder in {trashed.parent for trashed in self._undo}:
            if folder.name == TRASH_DIR and not any(folder.iterdir()):
                folder.rmdir()
        self._undo.clear()

    def copy_samples(self) -> None:
        try:
            copied = self.workspace.copy_samples(self.env_key)
        except (StudioError, OSError) as error:
            self.dialogs.error(self, "Could not copy the samples", str(error))
            return
        self.show_samples(False)
        self.reload_episodes()
        folder = self.workspace.demos_dir(self.env_key)
        self.status_message.emit(
            f"copied {count(len(copied), 'sample episode')} into {folder}"
            if copied
            else f"the samples are already in {folder}"
        )
