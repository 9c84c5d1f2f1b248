"""The small settings each update rule takes, read off a run's TrainConfig.

``core.rl`` knows nothing of ``TrainConfig`` (the layers point the other way); these functions
are the one place where a config field becomes an update rule's argument.
"""

from __future__ import annotations

from core.rl import gail, ppo, trpo
from core.train.imitation_rewards import RewardSettings
from core.train.settings.config import TrainConfig


def judges_endings(config: TrainConfig) -> bool:
    """Does D also judge the states episodes end in (which needs the absorbing state)?"""
    return config.absorbing and config.disc_judges_endings


def discriminator_settings(config: TrainConfig) -> gail.DiscriminatorSettings:
    """D's update: how many passes over which batch size, which objective, which penalty."""
    return gail.DiscriminatorSettings(
        steps=config.disc_steps,
        batch_size=config.disc_batch_size,
        objective=config.disc_loss,
        grad_penalty=config.disc_grad_penalty,
        judges_endings=judges_endings(config),
    )


def ppo_settings(config: TrainConfig) -> ppo.PpoSettings:
    """PPO's update (clip or KL penalty), with the BC term's weight."""
    return ppo.PpoSettings(
        objective=config.generator,
        update_epochs=config.update_epochs,
        minibatch_size=config.minibatch_size,
        clip_coef=config.clip_coef,
        clip_value_loss=config.clip_value_loss,
        vf_coef=config.vf_coef,
        ent_coef=config.ent_coef,
        bc_coef=config.bc_coef,
        max_grad_norm=config.max_grad_norm,
    )


def trpo_settings(config: TrainConfig) -> trpo.TrpoSettings:
    """TRPO's step and its critic's epochs, with the BC term's weight."""
    return trpo.TrpoSettings(
        max_kl=config.trpo_max_kl,
        cg_iters=config.trpo_cg_iters,
        backtracks=config.trpo_backtracks,
        vf_iters=config.trpo_vf_iters,
        minibatch_size=config.minibatch_size,
        bc_coef=config.bc_coef,
        max_grad_norm=config.max_grad_norm,
    )


def reward_settings(config: TrainConfig) -> RewardSettings:
    """How D's verdicts become rewards: the form, the discount, the absorbing state, the scaling."""
    return RewardSettings(
        reward=config.reward,
        gamma=config.gamma,
        absorbing=config.absorbing,
        judges_endings=judges_endings(config),
        normalize=config.normalize_reward,
        imitation_weight=config.imitation_weight,
        env_weight=config.env_reward_weight,
    )
