"""Behaviour cloning: maximum likelihood of the demonstrated actions."""

from __future__ import annotations

from collections.abc import Callable

import torch

from core.rl.nets import ActorCritic


def bc_loss(policy: ActorCritic, expert_obs: torch.Tensor, expert_actions: torch.Tensor) -> torch.Tensor:
    """-E[ln pi(a_expert | s_expert)]; obs (B, obs_dim), actions (B,) or (B, act_dim)."""
    dist = policy.distribution(expert_obs)
    return -policy.log_prob(dist, expert_actions).mean()


def clone(
    policy: ActorCritic,
    optimizer: torch.optim.Optimizer,
    expert_obs: torch.Tensor,
    expert_actions: torch.Tensor,
    epochs: int,
    batch_size: int,
    should_stop: Callable[[], bool] = lambda: False,
) -> float:
    """Maximum likelihood on the demos for ``epochs`` passes; returns the last epoch's loss.

    ``should_stop`` is asked before each epoch (a stop request ends it after the current one).
    """
    size, batch_size = len(expert_obs), min(batch_size, len(expert_obs))
    loss_value = float("nan")
    for _ in range(epochs):
        if should_stop():
            break
        order = torch.randperm(size, device=expert_obs.device)
        losses = []
        for start in range(0, size, batch_size):
            index = order[start : start + batch_size]
            loss = bc_loss(policy, expert_obs[index], expert_actions[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
        loss_value = float(torch.stack(losses).mean())
    return loss_value
