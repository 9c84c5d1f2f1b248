"""Recording: play one env and hold the current episode in memory until it is kept or discarded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from core.data.episode import CORRECTION, SOURCES, Episode, EpisodeMeta, Source
from core.data.episode_io import write_episode
from core.envs.endings import Ending, classify_ending
from core.envs.registry import Action, EnvSpec, render_rgb
from core.errors import DemoError


@dataclass(frozen=True)
class StepOutcome:
    observation: np.ndarray
    reward: float
    terminated: bool
    truncated: bool

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated


class Recorder:
    """Plays one env and holds the current episode in memory until it is kept or discarded.

    The Record view and ``record-expert`` both use it: ``reset``, ``step`` until ``done``, then
    ``keep`` (writes one file atomically) or ``discard``. Kept episodes are never rewritten.
    """

    def __init__(
        self,
        spec: EnvSpec,
        folder: Path,
        source: Source = "human",
        render: bool = False,
        source_detail: str = "",
        seed: int | None = None,
    ) -> None:
        if source not in SOURCES:
            raise DemoError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
        self.spec = spec
        self.folder = Path(folder)
        self.source: Source = source
        self.source_detail = source_detail
        self.render_enabled = render
        self.env = spec.make(render_mode="rgb_array" if render else None)
        self._seed_rng = np.random.default_rng(seed)
        self._reset_seed: int | None = None
        self._observations: list[np.ndarray] = []
        self._actions: list[Action] = []
        self._rewards: list[float] = []
        self._terminated = False
        self._truncated = False
        # A correction's: who acted at each step, and what the policy proposed.
        self._person_acted: list[bool] = []
        self._policy_actions: list[Action] = []

    # What the view reads.
    @property
    def observation(self) -> np.ndarray:
        return self._observations[-1]

    def recent_observations(self, count: int) -> list[np.ndarray]:
        """The episode's last ``count`` observations, oldest first (a pixel policy's frame stack)."""
        return self._observations[-count:]

    @property
    def length(self) -> int:
        return len(self._actions)

    @property
    def episode_return(self) -> float:
        return float(sum(self._rewards))

    @property
    def done(self) -> bool:
        return self._terminated or self._truncated

    @property
    def started(self) -> bool:
        return self._reset_seed is not None

    @property
    def reset_seed(self) -> int:
        """The current episode's reset seed."""
        if self._reset_seed is None:
            raise DemoError("call reset() first: no episode has started")
        return self._reset_seed

    def render(self) -> np.ndarray:
        """The current frame, (H, W, 3) uint8; needs ``render=True``."""
        return render_rgb(self.env)

    def reset(self, seed: int | None = None) -> np.ndarray:
        """Start a new episode (dropping any unkept one) from ``seed`` or a fresh random seed."""
        self._reset_seed = int(self._seed_rng.integers(2**31 - 1)) if seed is None else int(seed)
        observation, _ = self.env.reset(seed=self._reset_seed)
        self._observations = [observation]
        self._actions, self._rewards = [], []
        self._person_acted, self._policy_actions = [], []
        self._terminated = self._truncated = False
        return observation

    @property
    def person_steps(self) -> int:
        """Steps of a correction the person acted in (every step of any other episode)."""
        return sum(self._person_acted) if self.source == CORRECTION else self.length

    def step(self, action: Any, policy_action: Any = None, by_person: bool = True) -> StepOutcome:
        """Take one action in the current episode; a correction also says who acted and what the
        policy proposed (``policy_action``)."""
        if not self.started:
            raise DemoError("call reset() before step()")
        if self.done:
            raise DemoError("the episode has ended: keep or discard it, then reset")
        action = self.spec.check_action(action)
        if self.source == CORRECTION:
            if policy_action is None:
                raise DemoError("a correction's step needs the policy's own action")
            self._policy_actions.append(self.spec.check_action(policy_action))
            self._person_acted.append(bool(by_person))
        observation, reward, terminated, truncated, _ = self.env.step(action)
        self._observations.append(observation)
        self._actions.append(action)
        self._rewards.append(float(reward))
        self._terminated, self._truncated = bool(terminated), bool(truncated)
        return StepOutcome(observation, float(reward), self._terminated, self._truncated)

    def ending(self) -> Ending:
        """How the finished episode ended (landed, crashed, time limit ...)."""
        episode = self.episode()
        return classify_ending(self.spec, episode.observations[-1], float(episode.rewards[-1]), episode.meta.terminated)

    def episode(self) -> Episode:
        """The current episode as an ``Episode`` (not yet written)."""
        if not self._actions:
            raise DemoError("the episode has no steps yet")
        spec = self.spec
        actions = np.array(self._actions, dtype=np.int64 if spec.is_discrete else np.float32)
        meta = EpisodeMeta(
            env_key=spec.key,
            gym_id=spec.gym_id,
            gym_kwargs=dict(spec.gym_kwargs),
            reset_seed=int(self.reset_seed),
            source=self.source,
            length=len(self._actions),
            episode_return=self.episode_return,
            terminated=self._terminated,
            truncated=self._truncated,
            fps=spec.fps,
            key_map={key: str(action) for key, action in spec.key_actions.items()} if self.source != "scripted" else {},
            source_detail=self.source_detail,
            recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        correction = self.source == CORRECTION
        return Episode(
            np.array(self._observations),
            actions,
            np.array(self._rewards, dtype=np.float64),
            meta,
            person_acted=np.array(self._person_acted, dtype=bool) if correction else None,
            policy_actions=np.array(self._policy_actions, dtype=actions.dtype) if correction else None,
        )

    def keep(self) -> Path:
        """Write the finished episode to the demo folder and start nothing new."""
        if not self.done:
            raise DemoError("only a finished episode can be kept")
        path = write_episode(self.episode(), self.folder)
        self._forget()
        return path

    def discard(self) -> None:
        """Drop the current episode; nothing is written."""
        self._forget()

    def _forget(self) -> None:
        self._reset_seed = None
        self._observations, self._actions, self._rewards = [], [], []
        self._person_acted, self._policy_actions = [], []
        self._terminated = self._truncated = False

    def close(self) -> None:
        self.env.close()
