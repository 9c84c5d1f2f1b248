import multiprocessing
import time

import numpy as np
import pytest
import torch

from core.envs.registry import get_spec
from core.errors import TrainingError
from core.rl.nets import ActorCritic, state_to_numpy
from core.train.env_runner import EnvRunner, RunnerSpec
from core.train.rollout_process import RolloutProcess


def cartpole_state(seed: int = 0) -> dict[str, np.ndarray]:
    torch.manual_seed(seed)
    return state_to_numpy(ActorCritic(get_spec("CartPole-v1")))


SPEC = RunnerSpec("CartPole-v1", num_envs=3, num_steps=80, reset_seed=5, action_seed=6, normalize_obs=True)


def test_a_batch_has_its_shapes_bootstraps_and_finished_episodes():
    runner = EnvRunner(SPEC)
    policy = runner.policy_from_state(cartpole_state())
    first_obs = runner.obs.copy()
    batch = runner.collect(policy)
    runner.close()
    assert batch.obs.shape == (80, 3, 4) and batch.actions.shape == (80, 3) and batch.actions.dtype == np.int64
    np.testing.assert_array_equal(batch.obs[0], first_obs)
    assert batch.finished, "a random-ish CartPole policy ends episodes within 80 steps"
    assert all(length >= 1 for _, length in batch.finished)
    assert int(batch.terminated.sum() + batch.truncated.sum()) == len(batch.finished)
    # Every real ending is listed with the state it ended in (for D to judge).
    assert len(batch.end_obs) == int(batch.terminated.sum()) > 0
    assert batch.terminated[batch.end_index[:, 0], batch.end_index[:, 1]].all()
    pole_fell, cart_left = np.abs(batch.end_obs[:, 2]) > 0.2, np.abs(batch.end_obs[:, 0]) > 2.4
    assert (pole_fell | cart_left).all()
    # Between steps of one episode, V(next state) is the next stored state's value.
    steady = ~(batch.terminated[:-1] | batch.truncated[:-1])
    np.testing.assert_allclose(batch.next_values[:-1][steady], batch.values[1:][steady], rtol=1e-6)
    np.testing.assert_allclose(batch.next_values[-1], policy.value(batch.last_obs), rtol=1e-6)


def test_the_same_seeds_give_the_same_batch_and_a_stop_ends_it():
    batches = []
    for _ in range(2):
        runner = EnvRunner(SPEC)
        batches.append(runner.collect(runner.policy_from_state(cartpole_state())))
        runner.close()
    np.testing.assert_array_equal(batches[0].obs, batches[1].obs)
    np.testing.assert_array_equal(batches[0].actions, batches[1].actions)
    runner = EnvRunner(SPEC)
    calls = []
    assert runner.collect(runner.policy_from_state(cartpole_state()), lambda: calls.append(1) or len(calls) > 5) is None
    runner.close()


def test_the_rollout_process_returns_what_the_runner_collects_here():
    here = EnvRunner(SPEC)
    expected = here.collect(here.policy_from_state(cartpole_state()))
    here.close()
    process = RolloutProcess(SPEC)
    try:
        process.request(cartpole_state())
        batch = process.receive(lambda: False)
    finally:
        process.close()
    np.testing.assert_array_equal(batch.obs, expected.obs)
    np.testing.assert_array_equal(batch.actions, expected.actions)
    np.testing.assert_allclose(batch.next_values, expected.next_values)
    assert not [p for p in multiprocessing.active_children() if p.name == "imitation-studio-rollout"]


def test_a_failure_in_the_rollout_process_is_a_training_error():
    process = RolloutProcess(SPEC)
    try:
        process.request({"not": np.zeros(1)})  # no policy weights: the child's collect raises
        with pytest.raises(TrainingError, match=r"rollout process failed: KeyError"):
            process.receive(lambda: False)
    finally:
        process.close()


def test_a_rollout_process_told_no_batch_follows_exits_while_the_trainer_works_on():
    process = RolloutProcess(SPEC)
    try:
        process.request(cartpole_state())
        process.ask_to_close()  # a batch is under way: nothing is sent that could be read as a request
        assert process.receive(lambda: False) is not None
        process.ask_to_close()
        deadline = time.monotonic() + 30
        while process._process.is_alive() and time.monotonic() < deadline:
            process._process.join(timeout=0.05)
        assert process._process.exitcode == 0, "the child left by itself, before close()"
    finally:
        process.close()
