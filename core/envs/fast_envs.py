"""EnvPool's C++ envs behind gymnasium's vector-env interface: the fast path for rollouts.

EnvPool (the ``fast`` extra) steps CarRacing-v3 in C++, about 9 times gymnasium's steps per
second on one core here. Measured by ``app/bench/envpool_agreement.py``: on the same track with
the same actions its rewards and endings are gymnasium's (to 2e-6 a step over 1000 steps), but
one seed makes a different track in each, and its frames differ (flat colours 2 levels
brighter, no anti-aliasing, another car sprite and dashboard) enough for a small CNN to tell
them from gymnasium's (held-out accuracy 0.99 on the pipeline's grey 48 x 48 frame). So it
cannot replay a gymnasium demo, and D must not see EnvPool rollouts against gymnasium demos'
frames: the demos' frames would have to come from EnvPool too.

``SameStepPool`` makes an EnvPool batch look like ``gym.make_vec(...,
autoreset_mode=SAME_STEP)``, the env ``core.train.env_runner`` steps:

- ``reset(seed=s)`` -> ``(obs, info)``: env ``i`` seeded with ``s + i``, as gymnasium's vector
  env seeds its copies. EnvPool fixes its seeds when the pool is built (its own ``reset(seed=)``
  is ignored), so a reset with a seed builds a new pool.
- ``step(actions)`` -> ``(obs, rewards, terminated, truncated, info)``. EnvPool resets an ended
  env on the *next* step (NEXT_STEP: that step ignores its action and returns the first
  frame). Here an ended env is reset in the same call instead: ``obs[i]`` is already the next
  episode's first frame, and ``info["final_obs"][i]`` (with ``info["_final_obs"][i]`` True) the
  frame the episode ended on, so no step is spent on a reset and every action is played.
- Observations are EnvPool's frames, ``(N, 96, 96, 3)`` uint8, as gymnasium's.

``StackedInputs`` over it gives what ``make_vec(..., wrappers=[PixelInputWrapper])`` gives: each
env's networks' inputs (``core.envs.pixel_inputs``), its stack restarted on the first frame of a
new episode, and ``final_obs`` the input the episode ended on.

EnvPool cannot tell a real ending from a time limit on the same step (it reports ``done`` and
``trunc``): an episode that ends at its last allowed step counts as truncated only, where
gymnasium reports both flags.

envpool is imported inside the functions, so the project runs without it.
"""

from __future__ import annotations

import importlib.util
import warnings
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from core.envs.pixel_inputs import InputStack, PixelInputs
from core.errors import EnvError

# The registry's env key -> EnvPool's task id, for the envs whose EnvPool version agrees.
ENVPOOL_TASKS: dict[str, str] = {"CarRacing-v3": "CarRacing-v3"}

INT32_LIMIT = 2**31  # EnvPool's seeds are C++ ints: env i draws from std::mt19937(seed + i)


class NextStepPool(Protocol):
    """What ``SameStepPool`` uses of an EnvPool gymnasium pool in sync mode."""

    def reset(self, env_id: np.ndarray | None = None) -> tuple[Any, dict[str, Any]]: ...

    def step(self, action: np.ndarray) -> tuple[Any, Any, Any, Any, dict[str, Any]]: ...

    def close(self) -> None: ...


class PoolMaker(Protocol):
    """Builds a pool of ``num_envs`` envs whose env ``i`` is seeded with ``seed + i``."""

    def __call__(self, seed: int) -> NextStepPool: ...


def fast_vector_env_available(env_key: str) -> bool:
    """Whether ``env_key`` has an EnvPool version that agrees with gymnasium's, and envpool is
    installed (found, not imported: importing it takes about 1.5 s)."""
    return env_key in ENVPOOL_TASKS and importlib.util.find_spec("envpool") is not None


def make_fast_vector_env(
    env_key: str, num_envs: int, num_threads: int = 1, max_episode_steps: int = 1000
) -> SameStepPool:
    """EnvPool's ``num_envs`` copies of ``env_key`` stepped by ``num_threads`` C++ threads, as a
    same-step autoreset vector env; ``max_episode_steps`` is gymnasium's time limit (CarRacing-v3:
    1000). Raises EnvError when the env has no EnvPool version or envpool cannot be imported."""
    task_id = ENVPOOL_TASKS.get(env_key)
    if task_id is None:
        raise EnvError(f"{env_key} has no EnvPool version; known: {', '.join(ENVPOOL_TASKS)}")
    try:
        import envpool
    except ImportError as error:
        raise EnvError(f"EnvPool is not installed ({error}); install the 'fast' extra: pip install envpool") from error
    if num_envs < 1 or num_threads < 1:
        raise EnvError(f"num_envs and num_threads must be at least 1, got {num_envs} and {num_threads}")
    settings = {"num_envs": num_envs, "num_threads": num_threads, "max_episode_steps": max_episode_steps}
    spec = envpool.make_spec(task_id, **settings)
    with warnings.catch_warnings():
        # EnvPool builds its float32 action Box from float64 bounds, which gymnasium warns about.
        warnings.filterwarnings("ignore", message=".*Box (low|high)'s precision lowered", category=UserWarning)
        observation_space, action_space = spec.gymnasium_observation_space, spec.gymnasium_action_space

    def make_pool(seed: int) -> NextStepPool:
        pool: NextStepPool = envpool.make_gymnasium(task_id, seed=seed, **settings)
        return pool

    return SameStepPool(make_pool, num_envs, observation_space, action_space)


class SameStepPool(gym.vector.VectorEnv):
    """A NEXT_STEP EnvPool pool as a SAME_STEP gymnasium vector env (see the module docstring)."""

    def __init__(
        self,
        make_pool: PoolMaker,
        num_envs: int,
        single_observation_space: gym.spaces.Box,
        single_action_space: gym.spaces.Box,
    ) -> None:
        self.metadata = {"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP}
        self._make_pool = make_pool
        self._pool: NextStepPool | None = None
        self.num_envs = num_envs
        self.single_observation_space = single_observation_space
        self.single_action_space = single_action_space
        self.observation_space = gym.vector.utils.batch_space(single_observation_space, num_envs)
        self.action_space = gym.vector.utils.batch_space(single_action_space, num_envs)
        self._action_low = np.asarray(single_action_space.low, dtype=np.float32)
        self._action_high = np.asarray(single_action_space.high, dtype=np.float32)
        self._all_ids = np.arange(num_envs, dtype=np.int32)

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start every env's next episode; a seed (or the first reset) builds a new pool.
        Returns obs: (N, *frame) uint8 and an empty info."""
        if options:
            raise EnvError(f"EnvPool's vector env takes no reset options, got {sorted(options)}")
        if isinstance(seed, list):
            raise EnvError("EnvPool's vector env takes one seed (env i gets seed + i), not a list")
        if seed is not None or self._pool is None:
            if seed is None:
                # As gymnasium's first unseeded reset: fresh entropy.
                seed = int(np.random.SeedSequence().generate_state(1)[0] % (INT32_LIMIT - self.num_envs))
            if not 0 <= seed <= INT32_LIMIT - self.num_envs:
                raise EnvError(
                    f"EnvPool's seeds are 32-bit: the seed must be 0..{INT32_LIMIT - self.num_envs}, got {seed}"
                )
            self.close_extras()
            self._pool = self._make_pool(seed)
        obs, info = self._pool.reset()
        return _in_env_order(np.asarray(obs), info, self._all_ids), {}

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """actions: (N, act_dim) -> obs (N, *frame) uint8, rewards (N,) float64, terminated and
        truncated (N,) bool, info with ``final_obs`` (N,) object and ``_final_obs`` (N,) bool where
        an episode ended this step."""
        if self._pool is None:
            raise EnvError("reset the vector env before stepping it")
        # EnvPool's C++ asserts the action's range; gymnasium's env would take any value.
        env_actions = np.clip(
            np.asarray(actions, dtype=np.float32).reshape(self.num_envs, -1), self._action_low, self._action_high
        )
        obs, rewards, terminated, truncated, info = self._pool.step(env_actions)
        order = np.argsort(info["env_id"], kind="stable")  # sync mode keeps them in order already
        obs = np.asarray(obs)[order]  # a copy: the ended envs' frames are replaced below
        rewards = np.asarray(rewards, dtype=np.float64)[order]
        terminated = np.asarray(terminated, dtype=bool)[order]
        truncated = np.asarray(truncated, dtype=bool)[order]
        ended = terminated | truncated
        if not ended.any():
            return obs, rewards, terminated, truncated, {}
        ended_ids = np.flatnonzero(ended).astype(np.int32)
        final_obs = np.full(self.num_envs, None, dtype=object)
        for index in ended_ids:
            final_obs[index] = obs[index].copy()
        # A forced reset of just these envs: the others keep their episodes.
        first_obs, first_info = self._pool.reset(ended_ids)
        obs[ended_ids] = _in_env_order(np.asarray(first_obs), first_info, ended_ids)
        return obs, rewards, terminated, truncated, {"final_obs": final_obs, "_final_obs": ended}

    def close_extras(self, **kwargs: Any) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _in_env_order(obs: np.ndarray, info: dict[str, Any], env_ids: np.ndarray) -> np.ndarray:
    """EnvPool's batch (rows in ``info["env_id"]`` order) in the order of ``env_ids``."""
    returned_ids = np.asarray(info["env_id"])
    if np.array_equal(returned_ids, env_ids):
        return obs
    row_of = {int(env_id): row for row, env_id in enumerate(returned_ids)}
    return obs[[row_of[int(env_id)] for env_id in env_ids]]


class StackedInputs(gym.vector.VectorWrapper):
    """Frames -> the networks' inputs, env by env, over a same-step autoreset vector env:
    obs (N, input_dim) uint8, and ``info["final_obs"][i]`` the ended episode's last input."""

    def __init__(self, env: gym.vector.VectorEnv, pixels: PixelInputs) -> None:
        super().__init__(env)
        self.stacks = [InputStack(pixels) for _ in range(env.num_envs)]
        self.single_observation_space = gym.spaces.Box(0, 255, (pixels.input_dim,), np.uint8)
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, env.num_envs)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        frames, info = self.env.reset(seed=seed, options=options)
        return np.stack([stack.reset(frame) for stack, frame in zip(self.stacks, frames, strict=True)]), info

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        frames, rewards, terminated, truncated, info = self.env.step(actions)
        ended = info.get("_final_obs", np.zeros(self.num_envs, dtype=bool))
        final_inputs = np.full(self.num_envs, None, dtype=object)
        final_frames: np.ndarray = info.get("final_obs", final_inputs)  # read only where an episode ended
        inputs = []
        for index, (stack, frame) in enumerate(zip(self.stacks, frames, strict=True)):
            if ended[index]:
                # The ended episode's last frame joins its own stack; the new one starts afresh.
                final_inputs[index] = stack.push(final_frames[index])
                inputs.append(stack.reset(frame))
            else:
                inputs.append(stack.push(frame))
        if ended.any():
            info = {**info, "final_obs": final_inputs}
        return np.stack(inputs), rewards, terminated, truncated, info
