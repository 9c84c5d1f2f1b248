"""What the steps of a GAIL round hand each other: the batch as tensors, D's verdict on it, what the
rewards step leaves beside the rewards it overwrote, and GAE's advantages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.rl.gae import RolloutBuffer
from core.train.env_runner import RolloutBatch


@dataclass(frozen=True)
class PolicySamples:
    """A rolled-out batch as the round learns from it: the buffer on the CPU, flat pairs on the device."""

    buffer: RolloutBuffer  # (T, N, ...): its rewards are the env's until D's overwrite them
    obs: torch.Tensor  # (T * N, obs_dim) float32
    actions: torch.Tensor  # (T * N,) int64 or (T * N, act_dim) float32
    weights: torch.Tensor  # (T * N,) pi_now / pi_behaviour for a batch from an older policy, else all 1
    end_obs: torch.Tensor  # (K, obs_dim): the states episodes really ended in (terminated, not cut off)
    end_index: np.ndarray  # (K, 2) int64: the (step, env) of each of those endings

    @classmethod
    def of(
        cls, batch: RolloutBatch, buffer: RolloutBuffer, weights: torch.Tensor | None, device: torch.device
    ) -> PolicySamples:
        """``batch`` with its ``buffer`` and importance ``weights`` (None = all 1), on ``device``."""
        obs = buffer.flat("obs").to(device)
        return cls(
            buffer=buffer,
            obs=obs,
            actions=buffer.flat("actions").to(device),
            weights=weights if weights is not None else torch.ones(len(obs), device=device),
            end_obs=torch.from_numpy(batch.end_obs).to(device),
            end_index=batch.end_index,
        )


@dataclass(frozen=True)
class DiscriminatorVerdict:
    """What D's update leaves for the rewards: its logits on the batch's pairs, and its statistics."""

    policy_logits: torch.Tensor  # (T * N,)
    scalars: dict[str, float]


@dataclass(frozen=True)
class DiscriminatorRewards:
    """What the rewards step leaves beside the buffer's rewards, which now hold the chosen form of D."""

    absorbing_value: float | torch.Tensor  # the absorbing state's value after each ending: (T, N), one number or 0
    scalars: dict[str, float]


@dataclass(frozen=True)
class Advantages:
    """GAE on D's rewards, on the CPU."""

    advantages: torch.Tensor  # (T, N)
    returns: torch.Tensor  # (T, N): advantages + V, the critic's targets
