"""The small settings each update rule takes, read off a run's TrainConfig.

``core.rl`` knows nothing of ``TrainConfig`` (the layers point the other way); these functions
are the one place where a config field becomes an update rule's argument.
"""

from __future__ import annotations

from core.rl import gail, ppo, trpo
from core.train.config import TrainConfig
from core.train.imitation_rewards import RewardSettings


def judges_endings(config: TrainConfig) -> bool:
    """Does D also judge the states episodes end in (which needs the absorbing state)?"""
    return config.absorbing and config.disc_judges_endings


def discriminator_settings(config: TrainConfig) -> gail.DiscriminatorSettings:
    return gail.DiscriminatorSettings(
        config.disc_steps, config.disc_batch_size, config.disc_loss, config.disc_grad_penalty, judges_endings(config)
    )


def ppo_settings(config: TrainConfig) -> ppo.PpoSettings:
    return ppo.PpoSettings(
        config.generator,
        config.update_epochs,
        config.minibatch_size,
        config.clip_coef,
        config.clip_value_loss,
        config.vf_coef,
        config.ent_coef,
        config.bc_coef,
        config.max_grad_norm,
    )


def trpo_settings(config: TrainConfig) -> trpo.TrpoSettings:
    return trpo.TrpoSettings(
        config.trpo_max_kl,
        config.trpo_cg_iters,
        config.trpo_backtracks,
        config.trpo_vf_iters,
        config.minibatch_size,
        config.bc_coef,
        config.max_grad_norm,
    )


def reward_settings(config: TrainConfig) -> RewardSettings:
    return RewardSettings(
        config.reward, config.gamma, config.absorbing, judges_endings(config), config.normalize_reward
    )
