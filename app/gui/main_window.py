"""The main window: a workspace, the Record / Train / Watch views, a status bar, remembered settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, qVersion
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget

import core
from app.gui import help
from app.gui.record.record_view import Mode, RecordView
from app.gui.widgets.dialogs import Dialogs, ThenRefocus
from app.gui.widgets.elided_label import ElidedLabel
from core.data.workspace import Workspace, default_workspace_root
from core.errors import StudioError

# Room kept for the window manager's title bar and borders when a size is fitted to a screen.
FRAME_ALLOWANCE_PX = (16, 48)

VIEWS = ("record", "train", "watch", "coach")


class MainWindow(QMainWindow):
    """Holds the views; owns the workspace and the settings they remember."""

    def __init__(
        self,
        workspace: Workspace | None = None,
        settings: QSettings | None = None,
        dialogs: Dialogs | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or QSettings("imitation-studio", "imitation-studio")
        # After every question the keyboard goes back to the game when the Record view shows.
        self.dialogs = ThenRefocus(dialogs or Dialogs(), self._return_keyboard)
        self.workspace = workspace or self._remembered_workspace()
        self.setWindowTitle(f"Imitation Studio {core.__version__}")
        self.tabs = QTabWidget()
        self.record_view = RecordView(self.workspace, self.dialogs)
        self.record_view.status_message.connect(self.show_message)
        self.tabs.addTab(self.record_view, "Record")
        self._add_training_views()
        self.setCentralWidget(self.tabs)
        self._workspace_label = ElidedLabel()
        self._workspace_label.setMaximumWidth(520)
        self.statusBar().addPermanentWidget(self._workspace_label)
        self._build_menu()
        self._show_workspace()
        self.resize(1280, 800)
        self._restore()

    def _add_training_views(self) -> None:
        from app.gui.coach.coach_view import CoachView
        from app.gui.gamepad import GamepadPoller
        from app.gui.train.train_view import TrainView
        from app.gui.watch.watch_view import WatchView

        self.train_view = TrainView(self.workspace, self.dialogs)
        self.watch_view = WatchView(self.workspace, self.dialogs)
        self.train_view.status_message.connect(self.show_message)
        self.watch_view.timeline.status_message.connect(self.show_message)
        self.train_view.snapshot_ready.connect(self.watch_view.set_snapshot)
        self.train_view.run_opened.connect(self._watch_run)
        self.train_view.training_finished.connect(lambda _: self.watch_view.training_ended(self.train_view.run_dir))
        # A kept episode makes its demo set the one to train from.
        self.record_view.episode_kept.connect(lambda path: self.train_view.show_my_demos(path.parent.name))
        self.coach_view = CoachView(self.workspace, self.dialogs)
        self.coach_view.status_message.connect(self.show_message)
        self.coach_view.train_requested.connect(self._train_on_corrections)
        self.train_view.training_finished.connect(lambda _: self.coach_view.refresh_runs())
        self.tabs.addTab(self.train_view, "Train")
        self.tabs.addTab(self.watch_view, "Watch")
        self.tabs.addTab(self.coach_view, "Coach")
        self.tabs.currentChanged.connect(self._on_tab_changed)
        # A pad plays in Record and Coach beside the keyboard; plugged in or out at any time.
        self.gamepad = GamepadPoller(self)
        self.gamepad.state_changed.connect(self._on_pad)
        self.gamepad.pad_changed.connect(self.coach_view.set_pad_name)
        self.gamepad.pad_changed.connect(self.record_view.legend.set_pad)
        self.gamepad.start()

    def _on_pad(self, state: object) -> None:
        """A pad reading goes to the view on screen (Record or Coach), as the keys do."""
        current = self.tabs.currentWidget()
        if current in (self.record_view, self.coach_view):
            current.set_pad_state(state)

    def export_demos_to_minari(self) -> None:
        """The Record view's environment's demos, as a local Minari dataset."""
        from app.gui.minari_actions import export_to_minari

        self.show_message(export_to_minari(self, self.dialogs, self.workspace, self.record_view.env_key) or "")

    def import_minari_dataset(self) -> None:
        from app.gui.minari_actions import import_from_minari

        message = import_from_minari(self, self.dialogs, self.workspace)
        if message:
            self.record_view.demo_list.reload_episodes()
            self.show_message(message)

    def _train_on_corrections(self, run_dir: Path, folder: Path) -> None:
        if self.train_view.is_training:
            self.dialogs.info(self, "A run is training", "Stop it in the Train view first: one run trains at a time.")
            return
        if self.train_view.start_from_run(run_dir, folder):
            self.tabs.setCurrentWidget(self.train_view)

    def _watch_run(self, run_dir: Path) -> None:
        """Open in the Train view: the Watch view plays the run (live when it is training now)."""
        if self.train_view.is_training and run_dir == self.train_view.run_dir:
            self.watch_view.watch_live()
        else:
            self.watch_view.watch_run(run_dir)

    def _on_tab_changed(self, index: int) -> None:
        current = self.tabs.widget(index)
        self.statusBar().clearMessage()  # one view's news is not the next one's
        self.watch_view.set_active(current is self.watch_view)
        self.coach_view.set_active(current is self.coach_view)
        if current is self.record_view:
            # Ticks and filters are shared with the Train view, and a run may have new D scores.
            self.record_view.demo_list.reload_episodes()
            self.record_view.take_keyboard()
        elif self.record_view.mode == Mode.PLAYING:
            self.record_view.toggle_pause()
        if current is self.train_view:
            self.train_view.settings_panel.refresh_demo_sets()

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        new_action = QAction("&New workspace…", self)
        new_action.triggered.connect(lambda: self.choose_workspace("Create a workspace folder"))
        open_action = QAction("&Open workspace…", self, shortcut=QKeySequence.StandardKey.Open)
        open_action.triggered.connect(lambda: self.choose_workspace("Open a workspace folder"))
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(new_action)
        file_menu.addAction(open_action)
        file_menu.addSeparator()
        export_action = QAction("&Export my demos to Minari…", self)
        export_action.triggered.connect(self.export_demos_to_minari)
        import_action = QAction("&Import a Minari dataset…", self)
        import_action.triggered.connect(self.import_minari_dataset)
        file_menu.addAction(export_action)
        file_menu.addAction(import_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu("&View")
        for index, name in enumerate(VIEWS):
            action = QAction(name.capitalize(), self, shortcut=QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _=False, i=index: self.tabs.setCurrentIndex(i))
            view_menu.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        pages = (
            ("&Keys", QKeySequence.StandardKey.HelpContents, "Keys", help.keys_page),
            ("&How imitation works here", None, "How imitation works here", help.imitation_page),
            ("&About Imitation Studio", None, "About Imitation Studio", self._about_page),
        )
        for label, shortcut, title, page in pages:
            action = QAction(label, self)
            if shortcut is not None:
                action.setShortcut(shortcut)
            action.triggered.connect(lambda _=False, t=title, p=page: self.dialogs.document(self, t, p()))
            help_menu.addAction(action)

    def _about_page(self) -> str:
        import PySide6

        from core.train.settings.device import resolve_device

        return help.about_page(resolve_device("auto").type, self.workspace.root, qVersion(), PySide6.__version__)

    def _return_keyboard(self) -> None:
        if self.tabs.currentWidget() is self.record_view:
            self.record_view.take_keyboard()

    # ------------------------------------------------------------------ workspace
    def _remembered_workspace(self) -> Workspace:
        remembered = self.settings.value("workspace", "", type=str)
        if remembered:
            try:
                return Workspace(Path(remembered))
            except StudioError:
                pass  # gone or unwritable: fall back to the default
        return Workspace(default_workspace_root())

    def choose_workspace(self, title: str) -> None:
        folder = self.dialogs.choose_folder(self, title, self.workspace.root.parent)
        if folder is not None:
            self.open_workspace(folder)

    def open_workspace(self, folder: Path) -> None:
        question = Workspace.adoption_question(folder)
        if question is not None and not self.dialogs.confirm(self, "Open a workspace", question):
            return
        try:
            workspace = Workspace(folder)
        except StudioError as error:
            self.dialogs.error(self, "Cannot open the workspace", str(error))
            return
        if not self.record_view.confirm_close():
            return
        self.workspace = workspace
        self.record_view.set_workspace(workspace)
        self.train_view.set_workspace(workspace)
        self.watch_view.set_workspace(workspace)
        self.coach_view.set_workspace(workspace)
        self._show_workspace()
        self.show_message(f"workspace {workspace.root}")

    def _show_workspace(self) -> None:
        self._workspace_label.setText(f"Workspace: {self.workspace.root}")

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def show_view(self, name: str) -> None:
        self.tabs.setCurrentIndex(VIEWS.index(name))

    # ------------------------------------------------------------------ settings
    def _restore(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(geometry)
        self.fit_to_screen()
        self.record_view.restore_settings(self._group("record"))
        self.train_view.settings_panel.restore_settings(self._group("train"))
        self.watch_view.restore_settings(self._group("watch"))
        self.tabs.setCurrentIndex(min(int(self.settings.value("view", 0, type=int)), len(VIEWS) - 1))

    def _group(self, name: str) -> dict[str, object]:
        self.settings.beginGroup(name)
        values = {key: self.settings.value(key) for key in self.settings.childKeys()}
        self.settings.endGroup()
        return values

    def fit_to_screen(self) -> None:
        """Shrink and move the window so that all of it, title bar included, is on its screen.

        A size remembered on a larger screen (or grown past the screen once) must not open with
        the close button out of reach.
        """
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        available = screen.availableGeometry()
        extra_w, extra_h = FRAME_ALLOWANCE_PX
        if self.isVisible():  # the window manager's real decorations are known now
            extra_w = self.frameGeometry().width() - self.width()
            extra_h = self.frameGeometry().height() - self.height()
        width = min(self.width(), available.width() - extra_w)
        height = min(self.height(), available.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        corner = self.pos()  # of the frame, title bar included
        left = max(min(corner.x(), available.x() + available.width() - width - extra_w), available.x())
        top = max(min(corner.y(), available.y() + available.height() - height - extra_h), available.y())
        if (left, top) != (corner.x(), corner.y()):
            self.move(left, top)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.fit_to_screen()

    def save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("workspace", str(self.workspace.root))
        self.settings.setValue("view", self.tabs.currentIndex())
        groups = (
            ("record", self.record_view.settings()),
            ("train", self.train_view.settings_panel.settings()),
            ("watch", self.watch_view.settings()),
        )
        for group, values in groups:
            self.settings.beginGroup(group)
            for key, value in values.items():
                self.settings.setValue(key, value)
            self.settings.endGroup()
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        training = self.train_view.is_training
        if not self.record_view.confirm_close(also="Training will stop and keep its checkpoint." if training else ""):
            event.ignore()
            return
        self.save_settings()
        if training:
            # Stopping saves a checkpoint, which takes a moment: say so before the window waits.
            self.show_message("stopping training: saving a checkpoint…")
            QApplication.processEvents()
        self.train_view.shutdown()
        self.watch_view.shutdown()
        self.coach_view.shutdown()
        self.gamepad.stop()
        self.record_view.shutdown()
        event.accept()
