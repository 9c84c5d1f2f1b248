"""A batch collected one update ago (rollout process): re-evaluated with the current policy and
reweighted by pi_now / pi_behaviour, capped, as decoupled PPO does."""

import numpy as np
import pytest
import torch

from core.data.demo_set import load_demo_set
from core.paths import sample_demos_dir
from core.rl.nets import state_to_numpy
from core.train.env_runner import EnvRunner, RunnerSpec
from core.train.settings.config import default_config
from core.train.stale_batch import MAX_SAMPLE_WEIGHT
from core.train.trainer import Trainer


@pytest.fixture
def stale(tmp_path):
    """A trainer whose policy moved on after its rollout policy collected a batch."""
    config = default_config("CartPole-v1", rollout_process=True, num_envs=2, num_steps=16, eval_every_iters=0)
    trainer = Trainer(config, load_demo_set(sample_demos_dir("CartPole-v1")))
    runner = EnvRunner(RunnerSpec("CartPole-v1", 2, 16, 0, 1, config.normalize_obs))
    batch = runner.collect(runner.policy_from_state(state_to_numpy(trainer.rollout_policy)))
    runner.close()
    with torch.no_grad():  # the update that happened meanwhile
        for parameter in trainer.policy.parameters():
            parameter.add_(0.3 * torch.randn_like(parameter))
    return trainer, batch


def test_log_probs_values_and_weights_come_from_the_current_policy(stale):
    trainer, batch = stale
    buffer, weights = trainer._to_buffer(batch)
    policy = trainer.policy
    with torch.no_grad():
        obs, actions = torch.from_numpy(batch.obs).reshape(32, -1), torch.from_numpy(batch.actions).reshape(32)
        logp_now = policy.log_prob(policy.distribution(obs), actions)
        expected = torch.exp(logp_now - torch.from_numpy(batch.logp).reshape(32)).clamp(max=MAX_SAMPLE_WEIGHT)
        torch.testing.assert_close(buffer.logp.reshape(32), logp_now)
        torch.testing.assert_close(buffer.values.reshape(32), policy.value(obs))
    torch.testing.assert_close(weights, expected)
    assert float(weights.max()) <= MAX_SAMPLE_WEIGHT and (weights - 1).abs().max() > 1e-3


def test_a_time_limit_cut_bootstraps_from_the_current_critic(stale):
    trainer, batch = stale
    # A cut at step 5 of env 1, in a state unlike the stored ones.
    batch.truncated[5, 1] = True
    batch.cut_obs = np.array([[0.5, -1.0, 0.1, 0.7]], dtype=np.float32)
    batch.cut_index = np.array([[5, 1]], dtype=np.int64)
    batch.next_values[5, 1] = 123.0  # what the behaviour critic said
    buffer, _ = trainer._to_buffer(batch)
    with torch.no_grad():
        expected = trainer.policy.value(torch.from_numpy(batch.cut_obs))[0]
    assert float(buffer.next_values[5, 1]) == pytest.approx(float(expected), abs=1e-6)
    # Elsewhere the value after a step is the next stored state's, from the same critic.
    torch.testing.assert_close(buffer.next_values[4, 0], buffer.values[5, 0])
