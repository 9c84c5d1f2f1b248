"""Replay an episode by re-simulation from its reset seed and actions, and check that it comes back."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from core.data.episode import Episode
from core.envs.registry import render_rgb
from core.errors import DemoError

NOT_REPLAYABLE = "not replayable: imported without its reset seed (it trains, but cannot be re-simulated)"

# Observations of a replay may differ from the recording by float noise only.
REPLAY_OBS_TOLERANCE = 1e-4


@dataclass(frozen=True)
class ReplayStep:
    """One re-simulated step: the index of the action taken, the observation after it, a frame."""

    t: int
    observation: np.ndarray
    frame: np.ndarray | None
    reward: float


@dataclass(frozen=True)
class ReplayCheck:
    """The outcome of re-simulating an episode and comparing it with the recording."""

    ok: bool
    steps_checked: int
    max_obs_error: float
    message: str


def replay(episode: Episode, render: bool = False) -> Generator[ReplayStep, None, None]:
    """Re-simulate ``episode`` from its reset seed and actions, yielding each step.

    The first item (t = -1) is the reset state. Frames are rgb arrays when ``render`` is set.
    DemoError for an episode imported without its reset seed (``meta.replayable`` False).
    """
    if not episode.meta.replayable:
        raise DemoError(NOT_REPLAYABLE)
    env = episode.spec.make(render_mode="rgb_array" if render else None)
    try:
        observation, _ = env.reset(seed=episode.meta.reset_seed)
        yield ReplayStep(-1, observation, render_rgb(env) if render else None, 0.0)
        for t, action in enumerate(episode.actions):
            observation, reward, _, _, _ = env.step(episode.spec.check_action(action))
            yield ReplayStep(t, observation, render_rgb(env) if render else None, float(reward))
    finally:
        env.close()


def observation_error(step: ReplayStep, episode: Episode) -> float:
    """How far a re-simulated observation is from the recording's at the same point (max |diff|)."""
    recorded = episode.observations[step.t + 1]
    return float(np.max(np.abs(step.observation.astype(np.float64) - recorded.astype(np.float64)), initial=0.0))


def replay_point(t: int) -> str:
    """Where in an episode a replayed step ``t`` is, as the checks name it."""
    return "after reset" if t < 0 else f"after step {t}"


def verify_replay(episode: Episode, tolerance: float = REPLAY_OBS_TOLERANCE) -> ReplayCheck:
    """Re-simulate without rendering and check every observation against the recording (an
    episode that cannot be re-simulated passes, saying so: it was never meant to)."""
    if not episode.meta.replayable:
        return ReplayCheck(True, 0, 0.0, NOT_REPLAYABLE)
    worst = 0.0
    steps = 0
    for step in replay(episode):
        error = observation_error(step, episode)
        worst = max(worst, error)
        if error > tolerance:
            where = replay_point(step.t)
            versions = ""
            if episode.meta.gymnasium_version != gym.__version__:
                versions = f" (recorded with gymnasium {episode.meta.gymnasium_version}, now {gym.__version__})"
            return ReplayCheck(False, steps, worst, f"observation {where} differs by {error:.3g}{versions}")
        steps += 1
    return ReplayCheck(True, steps - 1, worst, f"{steps - 1} steps replayed, max observation error {worst:.2g}")


# ----------------------------------------------------------------------------- recording
