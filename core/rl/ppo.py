"""PPO's two objectives from the seed, written as losses to minimise.

r = pi(a|s; theta) / pi(a|s; theta_k), A = advantage under theta_k.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def probability_ratio(logp_new: torch.Tensor, logp_old: torch.Tensor) -> torch.Tensor:
    """r = pi_theta / pi_theta_k from log-probabilities: (B,)."""
    return torch.exp(logp_new - logp_old)


def clip_loss(
    logp_new: torch.Tensor, logp_old: torch.Tensor, advantages: torch.Tensor, clip_coef: float
) -> torch.Tensor:
    """PPO2: -E[min(r A, clip(r, 1 - eps, 1 + eps) A)]; inputs (B,), returns a scalar."""
    ratio = probability_ratio(logp_new, logp_old)
    clipped = torch.clamp(ratio, 1.0 - clip_coef, 1.0 + clip_coef)
    return -torch.min(ratio * advantages, clipped * advantages).mean()


def approx_kl(logp_new: torch.Tensor, logp_old: torch.Tensor) -> torch.Tensor:
    """KL(pi_theta_k || pi_theta) estimated from samples of pi_theta_k: E[(r - 1) - ln r] >= 0."""
    log_ratio = logp_new - logp_old
    return (torch.exp(log_ratio) - 1.0 - log_ratio).mean()


def kl_penalty_loss(
    logp_new: torch.Tensor, logp_old: torch.Tensor, advantages: torch.Tensor, beta: float
) -> torch.Tensor:
    """PPO-penalty: -(E[r A] - beta KL(theta_k, theta)); inputs (B,), returns a scalar."""
    ratio = probability_ratio(logp_new, logp_old)
    return -((ratio * advantages).mean() - beta * approx_kl(logp_new, logp_old))


def adapt_beta(beta: float, kl: float, kl_target: float) -> float:
    """The seed's adaptive rule: KL > 1.5 d_targ -> beta x 2; KL < d_targ / 1.5 -> beta / 2."""
    if kl > 1.5 * kl_target:
        return beta * 2.0
    if kl < kl_target / 1.5:
        return beta / 2.0
    return beta


def clip_fraction(logp_new: torch.Tensor, logp_old: torch.Tensor, clip_coef: float) -> torch.Tensor:
    """Share of samples whose ratio left [1 - eps, 1 + eps]: a scalar tensor."""
    ratio = probability_ratio(logp_new, logp_old)
    return ((ratio - 1.0).abs() > clip_coef).float().mean()


def value_loss(
    values: torch.Tensor, returns: torch.Tensor, values_old: torch.Tensor, clip_coef: float | None
) -> torch.Tensor:
    """0.5 E[(V - R)^2], optionally with V clipped to within clip_coef of the old value."""
    if clip_coef is None:
        return 0.5 * F.mse_loss(values, returns)
    unclipped = (values - returns) ** 2
    clipped = values_old + torch.clamp(values - values_old, -clip_coef, clip_coef)
    return 0.5 * torch.max(unclipped, (clipped - returns) ** 2).mean()
