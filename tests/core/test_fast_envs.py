import importlib.util
import sys

import gymnasium as gym
import numpy as np
import pytest

from core.envs.fast_envs import SameStepPool, StackedInputs, fast_vector_env_available, make_fast_vector_env
from core.envs.pixel_inputs import PixelInputs, PixelInputWrapper
from core.envs.registry import get_spec
from core.errors import EnvError

FRAME = gym.spaces.Box(0, 255, (4, 4, 3), np.uint8)
ACTION = gym.spaces.Box(np.array([-1, 0], np.float32), np.array([1, 1], np.float32))


class FakeNextStepPool:
    """EnvPool's sync-mode behaviour in small: an episode lasts ``length`` steps and ends
    terminated (env 0) or truncated (the others); the step after an ending resets the env and
    ignores its action (NEXT_STEP); ``reset(env_id)`` force-resets those envs. Env ``i``'s
    frame holds 100 * episode + step in every pixel, and rows come back in reversed env order,
    which the adapter must undo."""

    def __init__(self, seed: int, num_envs: int, length: int) -> None:
        self.seed, self.num_envs, self.length = seed, num_envs, length
        self.step_in_episode = np.zeros(num_envs, dtype=np.int64)
        self.episode = np.full(num_envs, -1)
        self.played: list[list[float]] = [[] for _ in range(num_envs)]  # the gas each env really stepped with
        self.closed = False

    def _frames(self, ids: np.ndarray) -> np.ndarray:
        values = 100 * self.episode[ids] + self.step_in_episode[ids]
        return np.broadcast_to(values[:, None, None, None], (len(ids), *FRAME.shape)).astype(np.uint8)

    def _start(self, ids: np.ndarray) -> None:
        self.episode[ids] += 1
        self.step_in_episode[ids] = 0

    def reset(self, env_id=None):
        ids = np.arange(self.num_envs) if env_id is None else np.asarray(env_id)
        self._start(ids)
        rows = ids[::-1]
        return self._frames(rows), {"env_id": rows.astype(np.int32)}

    def step(self, action):
        ids = np.arange(self.num_envs)
        rewards = np.zeros(self.num_envs, np.float32)
        for index in ids:
            if self.step_in_episode[index] == self.length:  # ended last step: this step only resets
                self._start(np.array([index]))
            else:
                self.step_in_episode[index] += 1
                self.played[index].append(float(action[index, 1]))
                rewards[index] = 1.0
        ended = self.step_in_episode == self.length
        terminated, truncated = ended & (ids == 0), ended & (ids != 0)
        rows = ids[::-1]
        return self._frames(rows), rewards[rows], terminated[rows], truncated[rows], {"env_id": rows.astype(np.int32)}

    def close(self):
        self.closed = True


def fake_env(num_envs=2, length=2):
    made: list[FakeNextStepPool] = []

    def make_pool(seed):
        made.append(FakeNextStepPool(seed, num_envs, length))
        return made[-1]

    return SameStepPool(make_pool, num_envs, FRAME, ACTION), made


def test_an_ended_env_starts_its_next_episode_in_the_same_step_and_keeps_its_final_frame():
    envs, made = fake_env(num_envs=2, length=2)
    obs, info = envs.reset(seed=3)
    assert obs.shape == (2, 4, 4, 3) and obs.dtype == np.uint8 and info == {}
    assert obs[:, 0, 0, 0].tolist() == [0, 0]
    gas = iter(np.linspace(0.1, 0.6, 6))
    seen = []
    for _ in range(3):
        actions = np.array([[0.0, next(gas)], [0.0, next(gas)]], np.float32)
        obs, rewards, terminated, truncated, info = envs.step(actions)
        seen.append((obs[:, 0, 0, 0].tolist(), rewards.tolist(), terminated.tolist(), truncated.tolist()))
        if terminated.any() or truncated.any():
            ended_info = info
    # Step 2 ends both episodes (env 0 terminated, env 1 cut off); obs is already episode 1's first frame.
    assert seen == [
        ([1, 1], [1.0, 1.0], [False, False], [False, False]),
        ([100, 100], [1.0, 1.0], [True, False], [False, True]),
        ([101, 101], [1.0, 1.0], [False, False], [False, False]),
    ]
    assert ended_info["_final_obs"].tolist() == [True, True]
    assert [frame[0, 0, 0] for frame in ended_info["final_obs"]] == [2, 2]
    # No step went to a reset: every action was played, in order.
    np.testing.assert_allclose(made[0].played[0], [0.1, 0.3, 0.5])
    np.testing.assert_allclose(made[0].played[1], [0.2, 0.4, 0.6])


def test_only_the_ended_envs_are_reset():
    envs, made = fake_env(num_envs=3, length=1)
    envs.reset(seed=0)
    made[0].step_in_episode[2] = -5  # env 2 is mid-episode, far from its end
    obs, _, terminated, truncated, info = envs.step(np.zeros((3, 2), np.float32))
    assert (terminated | truncated).tolist() == [True, True, False]
    assert info["_final_obs"].tolist() == [True, True, False] and info["final_obs"][2] is None
    assert obs[:, 0, 0, 0].tolist() == [100, 100, 252]  # env 2: episode 0, step -4 (as uint8)


def test_a_seed_builds_a_new_pool_and_an_unseeded_reset_keeps_it():
    envs, made = fake_env()
    envs.reset(seed=7)
    envs.reset()
    assert [pool.seed for pool in made] == [7]
    envs.reset(seed=8)
    assert [pool.seed for pool in made] == [7, 8] and made[0].closed
    envs.close()
    assert made[1].closed


def test_the_first_reset_without_a_seed_draws_one():
    envs, made = fake_env()
    envs.reset()
    assert len(made) == 1 and 0 <= made[0].seed < 2**31


def test_seeds_stepping_and_options_that_envpool_cannot_take_are_refused():
    envs, _ = fake_env(num_envs=2)
    with pytest.raises(EnvError, match="reset the vector env"):
        envs.step(np.zeros((2, 2), np.float32))
    with pytest.raises(EnvError, match="32-bit"):
        envs.reset(seed=2**31 - 1)
    with pytest.raises(EnvError, match="one seed"):
        envs.reset(seed=[1, 2])
    with pytest.raises(EnvError, match="options"):
        envs.reset(seed=1, options={"reset_mask": [True, False]})


def test_actions_are_clipped_to_the_action_space():
    envs, made = fake_env(num_envs=1, length=5)
    envs.reset(seed=0)
    envs.step(np.array([[0.0, 3.0]], np.float32))
    assert made[0].played[0] == [1.0]


def test_without_envpool_no_env_is_fast(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert not fast_vector_env_available("CarRacing-v3")
    monkeypatch.setitem(sys.modules, "envpool", None)  # import envpool now fails
    with pytest.raises(EnvError, match="'fast' extra"):
        make_fast_vector_env("CarRacing-v3", num_envs=1)


def test_availability_needs_a_known_env_and_envpool():
    assert not fast_vector_env_available("LunarLander-v3")
    assert fast_vector_env_available("CarRacing-v3") == (importlib.util.find_spec("envpool") is not None)
    with pytest.raises(EnvError, match="no EnvPool version"):
        make_fast_vector_env("LunarLander-v3", num_envs=1)


class CountingFrames(gym.Env):
    """One env of ``FakeNextStepPool`` as gymnasium would step it (its index fixes its ending)."""

    observation_space = FRAME
    action_space = ACTION

    def __init__(self, index: int, length: int) -> None:
        self.index, self.length, self.episode, self.steps = index, length, -1, 0

    def _frame(self):
        return np.full(FRAME.shape, 100 * self.episode + self.steps, np.uint8)

    def reset(self, *, seed=None, options=None):
        self.episode, self.steps = self.episode + 1, 0
        return self._frame(), {}

    def step(self, action):
        self.steps += 1
        ended = self.steps == self.length
        return self._frame(), 1.0, ended and self.index == 0, ended and self.index != 0, {}


def test_stacked_inputs_are_what_gymnasiums_vector_env_gives_with_the_pixel_wrapper():
    pixels = PixelInputs(frame_shape=FRAME.shape, frame_stack=2, frame_gap=1)
    envs, _ = fake_env(num_envs=2, length=2)
    stacked = StackedInputs(envs, pixels)
    reference = gym.vector.SyncVectorEnv(
        [lambda index=index: PixelInputWrapper(CountingFrames(index, 2), pixels) for index in range(2)],
        autoreset_mode=gym.vector.AutoresetMode.SAME_STEP,
    )
    assert stacked.single_observation_space == reference.single_observation_space
    obs, _ = stacked.reset(seed=0)
    np.testing.assert_array_equal(obs, reference.reset(seed=0)[0])
    assert obs[0].tolist() == [0] * 8  # (2 frames x 2 x 2): the first frame twice
    actions = np.zeros((2, 2), np.float32)
    for _ in range(5):
        obs, rewards, terminated, truncated, info = stacked.step(actions)
        ref_obs, ref_rewards, ref_terminated, ref_truncated, ref_info = reference.step(actions)
        np.testing.assert_array_equal(obs, ref_obs)
        np.testing.assert_allclose(rewards, ref_rewards)
        assert (terminated.tolist(), truncated.tolist()) == (ref_terminated.tolist(), ref_truncated.tolist())
        if "final_obs" in ref_info:
            np.testing.assert_array_equal(np.stack(info["final_obs"]), np.stack(ref_info["final_obs"]))
            ended_info = info
    assert ended_info["final_obs"][0].tolist() == [101] * 4 + [102] * 4  # episode 1's steps 1 and 2


def test_envpool_car_racing_plays_as_envpool_with_its_reset_steps_left_out():
    envpool = pytest.importorskip("envpool")
    envs = make_fast_vector_env("CarRacing-v3", num_envs=2, max_episode_steps=3)
    raw = envpool.make_gymnasium("CarRacing-v3", num_envs=2, seed=5, num_threads=1, max_episode_steps=3)
    assert envs.metadata["autoreset_mode"] == gym.vector.AutoresetMode.SAME_STEP
    assert envs.single_observation_space.shape == (96, 96, 3) and envs.observation_space.shape == (2, 96, 96, 3)
    obs, _ = envs.reset(seed=5)
    raw_obs, _ = raw.reset()
    np.testing.assert_array_equal(obs, raw_obs)
    # Env 1 is seeded with 5 + 1, as gymnasium's vector env seeds its copies.
    alone = envpool.make_gymnasium("CarRacing-v3", num_envs=1, seed=6)
    np.testing.assert_array_equal(obs[1], alone.reset()[0][0])
    actions = np.tile(np.array([0.3, 1.0, 0.0], np.float32), (2, 1))
    for _ in range(4):
        obs, rewards, terminated, truncated, info = envs.step(actions)
        raw_obs, raw_rewards, raw_terminated, raw_truncated, _ = raw.step(actions)
        np.testing.assert_allclose(rewards, raw_rewards)
        assert terminated.tolist() == raw_terminated.tolist()
        if raw_truncated.any():
            assert truncated.tolist() == [True, True] and not terminated.any()
            np.testing.assert_array_equal(np.stack(info["final_obs"]), raw_obs)
            raw_obs, raw_rewards, *_ = raw.step(actions)  # EnvPool's own reset step
            assert raw_rewards.tolist() == [0.0, 0.0]
        assert obs.shape == (2, 96, 96, 3) and obs.dtype == np.uint8
        np.testing.assert_array_equal(obs, raw_obs)
    envs.close()
    raw.close()


def test_stacked_inputs_over_envpool_car_racing():
    pytest.importorskip("envpool")
    pixels = get_spec("CarRacing-v3").pixels
    envs = StackedInputs(make_fast_vector_env("CarRacing-v3", num_envs=2, max_episode_steps=2), pixels)
    first, _ = envs.reset(seed=1)
    assert first.shape == (2, pixels.input_dim) and first.dtype == np.uint8
    for _ in range(2):
        obs, _, _, truncated, info = envs.step(np.zeros((2, 3), np.float32))
    assert truncated.all() and np.stack(info["final_obs"]).shape == (2, pixels.input_dim)
    # The next episode's input is its first frame, stacked with itself.
    frame_dim = pixels.input_dim // pixels.frame_stack
    np.testing.assert_array_equal(obs[:, :frame_dim], obs[:, frame_dim:])
    envs.close()
