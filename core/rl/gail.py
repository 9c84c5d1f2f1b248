"""GAIL's discriminator objective and the imitation rewards derived from D.

D(s, a) = sigmoid(logit) in (0, 1), 1 = expert (real), 0 = policy (fake), as in the seed.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def seed_objective(logits_expert: torch.Tensor, logits_policy: torch.Tensor) -> torch.Tensor:
    """The seed's F = mean ln(1 - D(real)) + mean ln D(fake), minimised by D.

    ln(1 - sigmoid(x)) = -softplus(x) and ln sigmoid(x) = -softplus(-x), computed stably.
    """
    return -F.softplus(logits_expert).mean() - F.softplus(-logits_policy).mean()


def bce_loss(logits_expert: torch.Tensor, logits_policy: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy with expert = 1, policy = 0: -mean ln D(real) - mean ln(1 - D(fake)).

    Same optimum direction as the seed's F (D(real) -> 1, D(fake) -> 0), but its gradient fades
    as D becomes right, where F's keeps pushing the logits towards infinity.
    """
    return F.softplus(-logits_expert).mean() + F.softplus(logits_policy).mean()


def gradient_penalty(inputs: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """E[||d logit / d input||^2] at ``inputs`` (which must require grad): keeps D smooth."""
    (grad,) = torch.autograd.grad(logits.sum(), inputs, create_graph=True)
    return grad.pow(2).sum(-1).mean()


def interpolated_gradient_penalty(
    expert_inputs: torch.Tensor, policy_inputs: torch.Tensor, logits_of: Callable[[torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """``gradient_penalty`` at random points between paired expert and policy inputs, (B, d) each."""
    mix = torch.rand(len(expert_inputs), 1, device=expert_inputs.device)
    mixed = (mix * expert_inputs + (1 - mix) * policy_inputs).detach().requires_grad_(True)
    return gradient_penalty(mixed, logits_of(mixed))


def imitation_reward(logits: torch.Tensor, form: str) -> torch.Tensor:
    """The generator's reward from D's logits, (B,) -> (B,).

    log-d: ln D (the seed's u_t), always < 0; neg-log-one-minus-d: -ln(1 - D), always > 0;
    logit: ln D - ln(1 - D), the sign of which says whether D thinks the pair is expert-like.
    """
    if form == "log-d":
        return -F.softplus(-logits)
    if form == "neg-log-one-minus-d":
        return F.softplus(logits)
    if form == "logit":
        return logits
    raise ValueError(f"unknown reward form {form!r}")
