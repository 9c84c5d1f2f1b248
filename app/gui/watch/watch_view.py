"""The Watch view: the latest policy playing live, D(s_t, a_t) along the episode, a demo beside it,
the run's timeline and the paths of demos and policy.

Runs its own env in the GUI thread at the env's fps, only while the view is visible. During
training a new snapshot is picked up at the start of the next episode, so each trace belongs to
one policy. Beside a demonstration each policy episode starts from the demo's reset seed.
"""

from __future__ import annotations

import time
from collections import deque
from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.gui.watch.demo_pane import DemoPane
from app.gui.watch.episode_traces import EpisodeTraces
from app.gui.watch.policy_mode import PolicyModeBox
from app.gui.watch.policy_pane import PolicyPane
from app.gui.watch.run_picker import RunPicker
from app.gui.watch.timeline_bar import TimelineBar
from app.gui.watch.trajectory_overlay import TrajectoryOverlay
from app.gui.watch.watch_texts import NO_POLICY, episode_end, info_text, run_shortfall
from app.gui.widgets.dialogs import Dialogs
from app.gui.widgets.frame_clock import FrameClock
from core.data.demo_set import DemoSet, load_demo_set
from core.data.workspace import Workspace
from core.errors import StudioError
from core.sessions.playback import PlayStep, PolicyPlayer
from core.train.events import PolicySnapshot
from core.train.runs.layout import run_folders
from core.train.runs.run_dir import RunDir
from core.train.settings.config import TrainConfig

END_PAUSE_FRAMES = 25  # frames the last image of an episode stays up before the next one
TRACE_EVERY_FRAMES = 5  # redraw the D and return traces every 5th frame (10 Hz at 50 fps)


class WatchView(QWidget):
    def __init__(self, workspace: Workspace, dialogs: Dialogs | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.dialogs = dialogs or Dialogs()
        self._timeline_seed: int | None = None  # while a kept step is shown, every episode starts here
        self.run_dir: Path | None = None  # the run watched, None for live training
        self._live: tuple[PolicySnapshot, TrainConfig, DemoSet | None] | None = None
        self.last_episode_text = ""
        self._remembered_run = ""  # from the settings: the run to watch first
        self.player: PolicyPlayer | None = None
        # A snapshot waiting for the next episode: its weights (policy, D) and how to name it.
        self._pending: tuple[dict, dict, str] | None = None
        self._policy_label = ""
        self.shortfall = ""  # why the finished run watched plays worse than its demos, if it does
        self._end_pause = 0
        self._active = False
        self.frames_shown = 0  # policy steps shown
        self.ticks = 0  # timer ticks, including the pause after an episode (the display rate)
        self.tick_times: deque[float] = deque(maxlen=100_000)  # for measuring the frame rate
        self._clock = FrameClock(
            self.advance, lambda: self.player.spec.fps, lambda: self._active and self.player is not None, self
        )
        self._build()
        self.refresh_runs()

    def _build(self) -> None:
        self._run_combo = RunPicker()
        self._run_combo.live_picked.connect(self.watch_live)
        self._run_combo.run_picked.connect(self._on_run_picked)
        self._mode = PolicyModeBox()
        self._mode.currentIndexChanged.connect(self._apply_mode)
        self._info = QLabel(NO_POLICY)
        self._info.setWordWrap(True)
        self.traces = EpisodeTraces()
        self.overlay = TrajectoryOverlay()
        self.policy_pane = PolicyPane(self.traces, self.overlay)
        self.demo_pane = DemoPane(self.traces, TRACE_EVERY_FRAMES, self)
        self.demo_pane.toggled.connect(self._toggle_demo)
        # The panes' parts under the view's names: the tests and the window reach them here.
        self.policy_frame = self.policy_pane.frame
        self.demo_frame = self.demo_pane.frame
        self.beside = self.demo_pane.beside
        self._show_demo = self.demo_pane.check
        self.timeline = TimelineBar(self.dialogs, lambda: self.demo_pane.offered)
        self.timeline.step_chosen.connect(self._on_timeline_step)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Policy of"))
        bar.addWidget(self._run_combo, 1)  # the room left: run names are long, and were cut with space to spare
        bar.addWidget(self._mode)
        bar.addWidget(self._show_demo)
        frames = QHBoxLayout()
        frames.addWidget(self.policy_frame, 1)
        frames.addWidget(self.demo_frame, 1)
        lower = QHBoxLayout()
        lower.addWidget(self.traces, 3)
        lower.addWidget(self.overlay, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.timeline)
        layout.addWidget(self._info)
        layout.addLayout(frames, 3)
        layout.addLayout(lower, 2)

    # ------------------------------------------------------------------ inputs
    def set_workspace(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._live = None
        self.run_dir = None
        self._replace_player(None)
        self.timeline.set_run(None)
        self.refresh_runs()

    def refresh_runs(self) -> None:
        """List the live training run (when there is one) and every run with a checkpoint."""
        live = self._live[:2] if self._live is not None else None
        self._run_combo.list_runs(run_folders(self.workspace.runs_dir), live, self.run_dir)

    def _on_run_picked(self, run_dir: Path) -> None:
        if run_dir != self.run_dir:
            self.watch_run(run_dir)

    def watch_live(self) -> None:
        """Watch the run training now (from its next snapshot when none came yet)."""
        self.run_dir = None
        if self._live is not None:
            self._replace_player(None)
            self.set_snapshot(*self._live)

    def watch_run(self, run_dir: Path) -> None:
        """Watch a run folder's latest checkpoint; a run that cannot be played says why here."""
        try:
            self.set_run(run_dir)
        except StudioError as error:
            self._info.setText(f"Cannot watch {Path(run_dir).name}: {error}")

    def set_snapshot(self, snapshot: PolicySnapshot, config: TrainConfig, demos: DemoSet | None = None) -> None:
        """The newest policy from training; used from the next episode on (when live training is watched)."""
        first = self._live is None
        self._live = (snapshot, config, demos)
        if first:
            self.run_dir = None  # a new training run takes over the view
            self.refresh_runs()
        else:
            self._run_combo.show_live(snapshot, config)
        if self.run_dir is not None:
            return  # another run is watched: the picker offers the live one
        label = f"training policy at {snapshot.env_steps:,} env steps (iteration {snapshot.iteration})"
        if self.timeline.run_dir is not None:  # live training has no timeline yet, whatever played before
            self.timeline.set_run(None)
            self._timeline_seed = None
        if self.player is None or self.player.config != config:
            self._mode.show_run(None)  # no final evaluation yet: the person's choice stands
            self.shortfall = ""
            self._replace_player(PolicyPlayer(config))
            self._set_demos(demos)
            self.player.load(snapshot.policy_state, snapshot.disc_state)
            self._policy_label = label
            self._start_episode()
        else:
            self._pending = (snapshot.policy_state, snapshot.disc_state, label)
        self._update_info()
        self._sync_timer()

    def training_ended(self, run_dir: Path | None) -> None:
        """The live run finished or stopped: it is now one of the workspace's runs (its final
        checkpoint plays on, when it was the one watched)."""
        watching_live = self._live is not None and self.run_dir is None
        self._live = None
        if watching_live and run_dir is not None and RunDir(run_dir).latest_checkpoint() is not None:
            self.watch_run(run_dir)
        else:
            self.refresh_runs()

    def set_run(self, run_dir: Path) -> None:
        """Watch a run folder's latest checkpoint (a finished or stopped run)."""
        player, state = PolicyPlayer.from_run(run_dir)
        self.run_dir = Path(run_dir)
        run = RunDir(self.run_dir)
        self._replace_player(player)
        self.timeline.set_run(self.run_dir, player.config.progress_unit)
        try:
            demos = load_demo_set(run.demos_folder(), env_key=player.config.env)
        except (StudioError, OSError):
            demos = None  # the demos moved or their record is unreadable: watch without them
        self._set_demos(demos)
        env_steps = int(state.get("env_steps", 0))
        final = run.finished_eval()
        self._policy_label = f"run {run.name}, {env_steps:,} env steps"
        if final is not None and final.earlier_policy_at is not None:  # the run settled on its best policy
            unit = player.config.progress_unit
            self._policy_label = (
                f"run {run.name}, its policy of {final.earlier_policy_at:,} {unit} "
                f"(kept: it played clearly better than its last, of "
                f"{player.config.progress_of(int(state.get('iteration', 0)), env_steps):,} {unit})"
            )
        self._mode.show_run(final)
        self.shortfall = run_shortfall(run, player.config, env_steps, final, demos)
        self.refresh_runs()
        self._start_episode()
        self._update_info()
        self._sync_timer()

    def _on_timeline_step(self, step: int | None) -> None:
        """The policy at a kept step (None: the latest), from the start on screen: the same terrain."""
        if self.run_dir is None or self.player is None:
            return
        run = RunDir(self.run_dir)
        config = self.player.config
        try:
            policy = run.load_snapshot(step) if step is not None else run.load_policy()[0]
        except StudioError as error:
            self._info.setText(f"Cannot show that step: {error}")
            return
        self.player.policy = policy
        self._timeline_seed = self.player.seed if step is not None else None
        where = f"as it was at {step:,} {config.progress_unit}" if step is not None else "latest checkpoint"
        self._policy_label = f"run {self.run_dir.name}, {where}"
        self._start_episode()
        self._update_info()

    def _replace_player(self, player: PolicyPlayer | None) -> None:
        self.last_episode_text = ""  # it belonged to the policy that leaves
        if self.player is not None:
            self.player.close()
        self.player = player
        self._pending = self._timeline_seed = None
        if player is not None:
            self.overlay.set_env(player.config.env)
        else:  # what it said belonged to the policy that left (another workspace's run, perhaps)
            self._info.setText(NO_POLICY)
        self._apply_mode()

    @property
    def demos(self) -> DemoSet | None:
        """The demos of the policy watched (None: none to show)."""
        return self.demo_pane.demos

    def _set_demos(self, demos: DemoSet | None) -> None:
        self.demo_pane.set_demos(demos)
        self.traces.set_demos_mean(float(self.demos.returns.mean()) if self.demos is not None else None)
        self.overlay.set_demos(self.demos)

    def set_active(self, active: bool) -> None:
        """Play only while the view is on screen; the first time, the newest run if none was chosen."""
        self._active = active
        if active:
            self.refresh_runs()
            if self.player is None:
                self._watch_newest_run()
        self._sync_timer()

    def settings(self) -> dict[str, object]:
        return {"run": str(self.run_dir) if self.run_dir else "", "demo": self._show_demo.isChecked()}

    def restore_settings(self, values: dict[str, object]) -> None:
        """The run watched last time plays when the view first shows; the demo box as it was."""
        self._remembered_run = str(values.get("run", ""))
        self._show_demo.setChecked(str(values.get("demo", "false")).lower() == "true")

    def _watch_newest_run(self) -> None:
        """The run watched last time if it is still there, else the newest run that can play."""
        for run_dir in self._run_combo.runs_to_try(self._remembered_run):
            try:
                self.set_run(run_dir)
                return
            except StudioError:
                continue  # an unreadable run: try the next one

    def _sync_timer(self) -> None:
        self._clock.sync()

    def _apply_mode(self) -> None:
        if self.player is not None:
            self.player.deterministic = self._mode.deterministic

    def show_demo(self, shown: bool) -> None:
        """Play a demonstration beside the policy (from the next episode, in step), or not."""
        self._show_demo.setChecked(shown)

    def _toggle_demo(self, shown: bool) -> None:
        if shown and self.player is not None:
            self._start_episode()  # both from the demo's start, now

    # ------------------------------------------------------------------ playing
    def _start_episode(self) -> None:
        if self._pending is not None:
            policy_state, disc_state, self._policy_label = self._pending
            self.player.load(policy_state, disc_state)
            self._pending = None
            self._update_info()
        demo = self.demo_pane.start_episode()
        # Beside a demo the policy starts from the demo's reset seed: the same terrain and start.
        frame = self.player.reset(seed=demo.meta.reset_seed if demo else self._timeline_seed)
        self.policy_pane.start(frame, self.player.start_observation)
        self._end_pause = 0

    def advance(self) -> None:
        """One frame: a policy step (and a demo replay step when shown)."""
        if self.player is None:
            return
        self.ticks += 1
        self.tick_times.append(time.perf_counter())
        if self._end_pause:
            self._end_pause -= 1
            if self._end_pause == 0:
                self._start_episode()
            return
        step: PlayStep = self.player.step()
        self.frames_shown += 1
        # The traces redraw at about 10 Hz (and at the episode's end), the frames at full rate.
        redraw = step.done or self.frames_shown % TRACE_EVERY_FRAMES == 0
        self.policy_pane.show_step(step, self.player.spec, redraw)
        self.demo_pane.advance()
        if step.done:
            self._end_pause = END_PAUSE_FRAMES
            self._show_episode_end(step)

    def _show_episode_end(self, step: PlayStep) -> None:
        """The finished episode: its return and ending on a card and in the info line, its path on the overlay."""
        demo = self.beside.episode if self.demo_pane.shown else None
        end = episode_end(self.player.spec, step, demo.episode_return if demo is not None else None)
        self.last_episode_text = end.summary
        self.policy_pane.end(end.title, end.text)
        self._update_info()

    def _update_info(self) -> None:
        newer = self._pending[2] if self._pending is not None else None
        beside_demo = self.demo_pane.shown and self.demos is not None
        note = f"{self._mode.note} {self.shortfall}".strip()
        self._info.setText(info_text(self._policy_label, note, newer, beside_demo, self.last_episode_text))

    def shutdown(self) -> None:
        self._clock.stop()
        self.demo_pane.close()
        if self.player is not None:
            self.player.close()
            self.player = None
