"""The generator's step of a GAIL round: PPO (clip or adaptive KL) or TRPO on the batch that D
rewarded, with the BC term, under an annealed learning rate, and the adaptive KL beta it carries
from one round to the next (a checkpoint keeps it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from core.rl import ppo, trpo
from core.rl.nets import ActorCritic
from core.train.round_samples import Advantages, PolicySamples
from core.train.settings.config import TrainConfig
from core.train.settings.rule_settings import ppo_settings, trpo_settings


class GeneratorUpdate:
    """Updates ``policy`` with ``optimizer`` (TRPO's: the critic's alone), imitating the expert's
    pairs in the BC term: ``expert_obs`` (M, obs_dim), ``expert_actions`` (M, ...)."""

    def __init__(
        self,
        policy: ActorCritic,
        optimizer: torch.optim.Optimizer,
        config: TrainConfig,
        expert_obs: torch.Tensor,
        expert_actions: torch.Tensor,
    ) -> None:
        self.policy = policy
        self.optimizer = optimizer
        self.config = config
        self.expert_obs = expert_obs
        self.expert_actions = expert_actions
        self.ppo_settings = ppo_settings(config)
        self.trpo_settings = trpo_settings(config)
        self.kl_beta = config.kl_beta_init

    def state(self) -> dict[str, float]:
        """What a checkpoint keeps of it."""
        return {"kl_beta": self.kl_beta}

    def restore(self, state: Mapping[str, Any]) -> None:
        self.kl_beta = float(state["kl_beta"])

    def update(self, samples: PolicySamples, advantages: Advantages, iteration: int) -> dict[str, float]:
        """One update on the round's samples (``iteration``: the rounds done before it); returns its statistics."""
        learning_rate = self._anneal_learning_rate(iteration)
        device = samples.obs.device
        rule_samples = {  # the flat samples the update rule draws its minibatches from
            "obs": samples.obs,
            "actions": samples.actions,
            "logp": samples.buffer.flat("logp").to(device),
            "values": samples.buffer.flat("values").to(device),
            "advantages": advantages.advantages.reshape(-1).to(device),
            "returns": advantages.returns.reshape(-1).to(device),
            "weights": samples.weights,
        }
        is_trpo = self.config.generator == "trpo"
        scalars = self._trpo_update(rule_samples) if is_trpo else self._ppo_update(rule_samples)
        scalars["explained_variance"] = explained_variance(rule_samples["values"], rule_samples["returns"])
        scalars["learning_rate"] = learning_rate
        return scalars

    def _anneal_learning_rate(self, iteration: int) -> float:
        """Down linearly to 0 over the run when ``anneal_lr`` asks; returns the rate set."""
        config = self.config
        frac = 1.0 - (iteration / config.num_iterations) if config.anneal_lr else 1.0
        learning_rate = max(frac, 0.0) * config.learning_rate
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate
        return learning_rate

    def _trpo_update(self, rule_samples: dict[str, torch.Tensor]) -> dict[str, float]:
        expert = None
        if self.config.bc_coef > 0:
            expert = self._expert_minibatch(min(len(rule_samples["obs"]), len(self.expert_obs)))
        return trpo.trpo_update(self.policy, self.optimizer, rule_samples, expert, self.trpo_settings)

    def _ppo_update(self, rule_samples: dict[str, torch.Tensor]) -> dict[str, float]:
        scalars = ppo.ppo_update(
            self.policy,
            self.optimizer,
            rule_samples,
            self.expert_obs,
            self.expert_actions,
            self.ppo_settings,
            self.kl_beta,
        )
        if self.config.generator == "ppo-kl":
            scalars["kl_beta"] = self.kl_beta  # the beta this update used
            self.kl_beta = ppo.adapt_beta(self.kl_beta, scalars["approx_kl"], self.config.kl_target)
        return scalars

    def _expert_minibatch(self, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``size`` expert pairs drawn with replacement, for TRPO's BC term."""
        index = torch.randint(len(self.expert_obs), (size,), device=self.expert_obs.device)
        return self.expert_obs[index], self.expert_actions[index]


def explained_variance(values: torch.Tensor, returns: torch.Tensor) -> float:
    """1 - Var(returns - V) / Var(returns): how much of the returns the critic foresaw (0 when they do not vary)."""
    variance = returns.var()
    return float(1 - (returns - values).var() / variance) if variance > 0 else 0.0
