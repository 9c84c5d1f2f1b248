"""The policy's side of the Watch view: its frame and caption, D and return along its episode, its path."""

from __future__ import annotations

import numpy as np

from app.gui.watch.episode_traces import EpisodeTraces
from app.gui.watch.trajectory_overlay import TrajectoryOverlay
from app.gui.watch.watch_texts import policy_caption
from app.gui.widgets.frame_view import FrameView
from core.envs.endings import above_top_edge
from core.envs.registry import EnvSpec
from core.sessions.playback import PlayStep


class PolicyPane:
    def __init__(self, traces: EpisodeTraces, overlay: TrajectoryOverlay) -> None:
        self.frame = FrameView(takes_keyboard=False)
        self._traces = traces
        self._overlay = overlay
        self._trace_t: list[int] = []
        self._trace_d: list[float] = []
        self._trace_return: list[float] = []
        self._path: list[np.ndarray] = []  # the episode's states, for the trajectory overlay

    def start(self, frame: np.ndarray, observation: np.ndarray) -> None:
        """A new episode at its first frame: no card, no mark above the picture, empty traces."""
        self.frame.set_frame(frame)
        self.frame.overlay.hide()
        self.frame.set_above_top(None)
        self._path = [observation]
        self._trace_t = []
        self._trace_d = []
        self._trace_return = []

    def show_step(self, step: PlayStep, spec: EnvSpec, redraw: bool) -> None:
        """A policy step on the frame; with ``redraw`` on the traces and the overlay too (they need
        only about 10 Hz, the frame gets every step)."""
        self.frame.set_frame(step.frame)
        self.frame.set_above_top(above_top_edge(spec, step.observation))
        self.frame.set_caption(policy_caption(step))
        self._path.append(step.observation)
        self._trace_t.append(step.t)
        self._trace_d.append(step.disc_value if np.isfinite(step.disc_value) else 0.5)
        self._trace_return.append(step.episode_return)
        if redraw:
            self._traces.show_policy(self._trace_t, self._trace_d, self._trace_return)
            self._overlay.show_current(self._path)

    def end(self, title: str, text: str) -> None:
        """The episode ended: its path joins the policy's paths on the overlay, its card goes up."""
        self._overlay.add_policy_episode(self._path)
        self.frame.overlay.show_card(title, text)
