import numpy as np

from core.train.env_runner import RolloutBatch
from core.train.rollouts import finished_episodes, steps_in


def batch_of(num_steps, num_envs, finished):
    steps = np.zeros((num_steps, num_envs), dtype=np.float32)
    return RolloutBatch(
        obs=np.zeros((num_steps, num_envs, 4), dtype=np.float32),
        actions=np.zeros((num_steps, num_envs), dtype=np.int64),
        logp=steps,
        env_rewards=steps,
        values=steps,
        next_values=steps,
        terminated=steps.astype(bool),
        truncated=steps.astype(bool),
        last_obs=np.zeros((num_envs, 4), dtype=np.float32),
        end_obs=np.zeros((0, 4), dtype=np.float32),
        end_index=np.zeros((0, 2), dtype=np.int64),
        cut_obs=np.zeros((0, 4), dtype=np.float32),
        cut_index=np.zeros((0, 2), dtype=np.int64),
        finished=finished,
    )


def test_a_batch_holds_num_steps_in_each_env():
    assert steps_in(batch_of(64, 2, [])) == 128


def test_the_ended_episodes_mean_return_and_length():
    scalars = finished_episodes(batch_of(8, 2, [(10.0, 5), (20.0, 15)]))
    assert scalars == {"train_return": 15.0, "train_length": 10.0}


def test_nothing_is_reported_when_no_episode_ended():
    assert finished_episodes(batch_of(8, 2, [])) == {}
