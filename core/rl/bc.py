"""Behaviour cloning: maximum likelihood of the demonstrated actions."""

from __future__ import annotations

import torch

from core.rl.nets import ActorCritic


def bc_loss(policy: ActorCritic, expert_obs: torch.Tensor, expert_actions: torch.Tensor) -> torch.Tensor:
    """-E[ln pi(a_expert | s_expert)]; obs (B, obs_dim), actions (B,) or (B, act_dim)."""
    dist = policy.distribution(expert_obs)
    return -policy.log_prob(dist, expert_actions).mean()
