"""The demonstration the Watch view plays beside the policy: which demo comes next, and its replay
step by step with its return trace (Qt-free but for the view that draws it)."""

from __future__ import annotations

from collections.abc import Generator

from core.data.demo_set import DemoSet
from core.data.episode import Episode
from core.data.replay import ReplayStep, replay
from core.errors import StudioError


class DemoBeside:
    def __init__(self) -> None:
        self.episode: Episode | None = None
        self.episode_return = 0.0
        self.trace_t: list[int] = []
        self.trace_return: list[float] = []
        self._replay: Generator[ReplayStep, None, None] | None = None
        self._index = 0

    @property
    def playing(self) -> bool:
        return self._replay is not None

    def next_demo(self, demos: DemoSet | None) -> Episode | None:
        """The next replayable demo of the set, in turn (None when there is none)."""
        shown = [e for e in demos.episodes if e.meta.replayable] if demos is not None else []
        if not shown:
            return None
        self._index += 1
        return shown[(self._index - 1) % len(shown)]

    def restart_order(self) -> None:
        self._index = 0

    def start(self, demo: Episode) -> None:
        self.close()
        self._replay = replay(demo, render=True)
        self.episode = demo
        self.trace_t, self.trace_return, self.episode_return = [], [], 0.0

    def advance(self) -> ReplayStep | None:
        """The replay's next step; None at its end. StudioError when it cannot be re-simulated."""
        if self._replay is None:
            return None
        try:
            item = next(self._replay)
        except StopIteration:
            self.close()  # its last frame stays on screen until the policy's episode ends
            return None
        except StudioError:
            self.close()
            raise
        if item.t >= 0:
            self.episode_return += item.reward
            self.trace_t.append(item.t)
            self.trace_return.append(self.episode_return)
        return item

    def close(self) -> None:
        if self._replay is not None:
            self._replay.close()
        self._replay = None
