"""The reward GAE sees: pure imitation by default, imitation + the env's reward when asked."""

import numpy as np
import pytest
import torch

from core.envs.registry import get_spec
from core.errors import ConfigError
from core.rl import gail
from core.rl.gae import RolloutBuffer
from core.rl.nets import Discriminator
from core.train.imitation_rewards import ImitationRewards, RewardSettings
from core.train.settings.config import default_config

# ln D rewards, discounted, absorbing endings not judged by D, no reward scaling.
PURE = {"reward": "log-d", "gamma": 0.99, "absorbing": True, "judges_endings": False, "normalize": False}


def buffer(env_rewards, terminated):
    steps, envs = env_rewards.shape
    zeros = torch.zeros(steps, envs)
    return RolloutBuffer(
        obs=torch.zeros(steps, envs, 8),
        actions=torch.zeros(steps, envs, dtype=torch.long),
        logp=zeros,
        values=zeros,
        next_values=zeros,
        rewards=torch.as_tensor(env_rewards, dtype=torch.float32),
        terminated=torch.as_tensor(terminated),
        truncated=torch.zeros(steps, envs, dtype=torch.bool),
    )


@pytest.mark.parametrize(("w_imitation", "w_env"), [(1.0, 0.0), (1.0, 0.5), (0.0, 1.0), (2.0, 0.1)])
def test_each_step_is_rewarded_w_imitation_u_plus_w_env_r(w_imitation, w_env):
    env_rewards = np.array([[1.0, -2.0], [0.5, -100.0]])
    terminated = np.array([[False, False], [False, True]])
    settings = RewardSettings(**PURE, imitation_weight=w_imitation, env_weight=w_env)
    rewards = ImitationRewards(settings, expert_absorbing_share=0.01, num_envs=2)
    logits = torch.tensor([0.3, -1.0, 2.0, 0.0])
    disc = Discriminator(get_spec("LunarLander-v3"))
    pure = ImitationRewards(RewardSettings(**PURE), 0.01, 2)
    no_ends = (torch.zeros(0, 8), np.zeros((0, 2)))
    u, pure_absorbing, _ = pure.rewards(disc, logits, buffer(env_rewards, terminated), *no_ends)
    mixed, absorbing, scalars = rewards.rewards(disc, logits, buffer(env_rewards, terminated), *no_ends)
    assert torch.allclose(u.reshape(-1), gail.imitation_reward(logits, "log-d"))
    assert torch.allclose(mixed, w_imitation * u + w_env * torch.as_tensor(env_rewards, dtype=torch.float32))
    assert absorbing == pytest.approx(w_imitation * pure_absorbing)  # the env rewards nothing after its end
    assert ("mixed_reward" in scalars) == (w_env > 0 or w_imitation != 1.0)


def test_pure_imitation_is_the_default_and_no_reward_at_all_is_refused():
    config = default_config("LunarLander-v3")
    assert (config.imitation_weight, config.env_reward_weight) == (1.0, 0.0)
    with pytest.raises(ConfigError, match="imitation_weight: with env_reward_weight 0 too"):
        default_config("LunarLander-v3", imitation_weight=0.0)


def test_a_run_with_task_reward_mixes_in_the_env_reward_it_collected():
    # CartPole pays 1 per step, so the mixed reward is the imitation reward plus the weight.
    from core.data.demo_set import load_demo_set
    from core.paths import sample_demos_dir
    from core.train.events import IterationStats
    from core.train.trainer import Trainer

    config = default_config(
        "CartPole-v1", total_steps=512, num_envs=2, num_steps=128, rollout_process=False, env_reward_weight=0.25
    )
    trainer = Trainer(config, load_demo_set(sample_demos_dir("CartPole-v1")))
    stats = [event.scalars for event in trainer.run() if isinstance(event, IterationStats)]
    assert stats and all(s["mixed_reward"] == pytest.approx(s["imitation_reward"] + 0.25, abs=1e-5) for s in stats)
