import pytest
import torch

from core.envs.registry import get_spec
from core.rl.nets import ActorCritic
from core.rl.optim import adam
from core.train.generator_update import GeneratorUpdate, explained_variance
from core.train.settings.config import default_config


def test_explained_variance_by_hand():
    returns = torch.tensor([1.0, 2.0, 3.0, 4.0])
    assert explained_variance(returns.clone(), returns) == 1.0  # the critic foresaw everything
    assert explained_variance(torch.full((4,), 2.5), returns) == pytest.approx(0.0)  # the mean, and nothing more
    assert explained_variance(torch.zeros(4), torch.ones(4)) == 0.0  # returns that do not vary


@pytest.mark.parametrize(("anneal_lr", "expected"), [(True, 0.5), (False, 1.0)])
def test_the_learning_rate_anneals_to_0_over_the_run(anneal_lr, expected):
    config = default_config("CartPole-v1", num_envs=2, num_steps=64, total_steps=1280, anneal_lr=anneal_lr)
    policy = ActorCritic(get_spec("CartPole-v1"), config.hidden_size, config.normalize_obs)
    optimizer = adam(policy.parameters(), config.learning_rate)
    update = GeneratorUpdate(policy, optimizer, config, torch.zeros(1, 4), torch.zeros(1, dtype=torch.int64))
    learning_rate = update._anneal_learning_rate(config.num_iterations // 2)
    assert learning_rate == pytest.approx(expected * config.learning_rate)
    assert all(group["lr"] == learning_rate for group in optimizer.param_groups)


def test_the_kl_beta_comes_back_from_a_checkpoint_record():
    config = default_config("CartPole-v1", generator="ppo-kl", kl_beta_init=0.3)
    policy = ActorCritic(get_spec("CartPole-v1"), config.hidden_size, config.normalize_obs)
    update = GeneratorUpdate(policy, adam(policy.parameters(), 1e-3), config, torch.zeros(1, 4), torch.zeros(1))
    update.kl_beta = 0.7
    restored = GeneratorUpdate(policy, adam(policy.parameters(), 1e-3), config, torch.zeros(1, 4), torch.zeros(1))
    restored.restore(update.state())
    assert restored.kl_beta == 0.7 and update.state() == {"kl_beta": 0.7}
