"""The demonstration's side of the Watch view: its check box, its frame and caption, its return trace, in step."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox

from app.gui.watch.demo_beside import DemoBeside
from app.gui.watch.episode_traces import EpisodeTraces
from app.gui.watch.watch_texts import demo_caption
from app.gui.widgets.frame_view import FrameView
from core.data.demo_set import DemoSet
from core.data.episode import Episode
from core.errors import StudioError


class DemoPane(QObject):
    """Not a widget: its check box sits in the view's bar, its frame beside the policy's."""

    toggled = Signal(bool)  # the box was ticked or unticked (the view restarts the episode)

    def __init__(self, traces: EpisodeTraces, trace_every_frames: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._traces = traces
        self._trace_every_frames = trace_every_frames
        self.beside = DemoBeside()  # the demonstration played beside the policy
        self.demos: DemoSet | None = None  # the demos to play from, None when there are none
        self.check = QCheckBox("Show a demonstration beside it")
        self.check.toggled.connect(self._on_toggled)
        self.frame = FrameView(takes_keyboard=False)
        self.frame.hide()

    @property
    def shown(self) -> bool:
        return self.check.isChecked()

    @property
    def offered(self) -> bool:
        """Ticked, and there are demos to show (a reel or video then shows one beside the policy)."""
        return self.check.isChecked() and self.check.isEnabled()

    def set_demos(self, demos: DemoSet | None) -> None:
        """The demos to play, in turn from the first; without any the box cannot be ticked."""
        self.beside.close()
        self.demos = demos if demos is not None and demos.episodes else None
        self.beside.restart_order()
        self.check.setEnabled(self.demos is not None)

    def start_episode(self) -> Episode | None:
        """The next demo at its first frame when the box is ticked (the policy then starts from its
        reset seed), else None."""
        self.beside.close()
        demo = self.beside.next_demo(self.demos) if self.check.isChecked() else None
        if demo is not None:
            self.beside.start(demo)
            self.advance()  # its first frame (t = -1), beside the policy's: then in step
        return demo

    def advance(self) -> None:
        """The demo's next step, while it plays; a demo that cannot be re-simulated unticks the box."""
        try:
            item = self.beside.advance()
        except StudioError:
            self.check.setChecked(False)
            return
        if item is None:
            return
        if item.t >= 0 and item.t % self._trace_every_frames == 0:
            self._traces.show_demo(self.beside.trace_t, self.beside.trace_return)
        self.frame.set_frame(item.frame)
        self.frame.set_caption(demo_caption(self.beside.episode, item.t, self.beside.episode_return))

    def close(self) -> None:
        self.beside.close()

    def _on_toggled(self, shown: bool) -> None:
        self.frame.setVisible(shown)
        self.beside.close()
        self._traces.show_demo([], [])
        self.toggled.emit(shown)
