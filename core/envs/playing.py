"""Playing whole episodes with a scripted or simulated player, without recording them.

For measuring players (``python -m core.envs.human_player``, ``python -m
core.envs.player_population``) and their tests; recording goes through ``core.data.recorder``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from core.envs.endings import Ending, classify_ending
from core.envs.registry import EnvSpec


class Player(Protocol):
    """Bound to the env it plays (a state expert reads it), then reset and asked each step."""

    def bind(self, env: gym.Env) -> None: ...

    def reset(self, obs: np.ndarray) -> None: ...

    def act(self, obs: np.ndarray) -> Any: ...


@dataclass(frozen=True)
class PlayedEpisode:
    episode_return: float
    length: int
    ending: Ending


def play_episodes(spec: EnvSpec, player: Player, seeds: Iterable[int]) -> list[PlayedEpisode]:
    """One episode per reset seed, played by ``player`` to its end or the time limit."""
    env = spec.make()
    player.bind(env)
    played = []
    try:
        for seed in seeds:
            obs, _ = env.reset(seed=seed)
            player.reset(obs)
            total, steps, last_reward, terminated, done = 0.0, 0, 0.0, False, False
            while not done:
                obs, reward, terminated, truncated, _ = env.step(player.act(obs))
                last_reward = float(reward)
                total += last_reward
                steps += 1
                done = terminated or truncated
            played.append(PlayedEpisode(total, steps, classify_ending(spec, obs, last_reward, terminated)))
    finally:
        env.close()
    return played
