"""gymnasium's and EnvPool's CarRacing-v3 side by side, on one track (``envpool_agreement`` says
how each seeds its tracks)."""

from __future__ import annotations

from typing import Any, Literal

import gymnasium as gym
import numpy as np

Tracks = Literal["own", "envpool"]
ACTION_LOW = np.array([-1.0, 0.0, 0.0], np.float32)
ACTION_HIGH = np.array([1.0, 1.0, 1.0], np.float32)


class EnvPoolTrackDraws:
    """Stands in for gymnasium CarRacing's ``np_random`` (only ``uniform`` is drawn from without
    domain randomisation) with EnvPool's draws: libstdc++'s ``uniform_real_distribution<double>``
    over ``std::mt19937(seed)``, whose canonical number takes two 32-bit outputs, the first as the
    low word, over 2**64. numpy's legacy MT19937 seeding is the C++ engine's ``init_genrand``."""

    def __init__(self, seed: int) -> None:
        self.engine = np.random.RandomState(seed)._bit_generator  # type: ignore[attr-defined]

    def uniform(self, low: float, high: float) -> float:
        low_word, high_word = (float(word) for word in self.engine.random_raw(2))
        canonical = min((low_word + high_word * 2.0**32) / 2.0**64, float(np.nextafter(1.0, 0.0)))
        return low + (high - low) * canonical


def gymnasium_car(seed: int, tracks: Tracks) -> tuple[gym.Env, np.ndarray]:
    """gymnasium's CarRacing-v3 reset with ``seed``, on its own track or on EnvPool's for that seed."""
    env = gym.make("CarRacing-v3")
    first, _ = env.reset(seed=seed)
    if tracks == "envpool":
        env.unwrapped.np_random = EnvPoolTrackDraws(seed)  # type: ignore[attr-defined]
        first, _ = env.reset()  # no seed: the next track comes from the stand-in
    return env, first


def envpool_car(seed: int, num_envs: int = 1, num_threads: int = 1) -> tuple[Any, np.ndarray]:
    """EnvPool's CarRacing-v3 pool, env ``i`` seeded with ``seed + i``, and its first frames."""
    import envpool

    pool = envpool.make_gymnasium("CarRacing-v3", num_envs=num_envs, seed=seed, num_threads=num_threads)
    first, _ = pool.reset()
    return pool, first
