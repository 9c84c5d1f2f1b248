"""GAIL's discriminator: its objective, the imitation rewards derived from D, and D's update.

D(s, a) = sigmoid(logit) in (0, 1), 1 = expert (real), 0 = policy (fake), as in the seed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import assert_never

import torch
import torch.nn.functional as F

from core.rl.nets import Discriminator
from core.rl.reward_forms import RewardForm


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


# Each objective as its expert part plus its policy part (bce_loss and seed_objective are their
# sums), so that a loss over two sets of different sizes, D on endings, uses the same objective.
OBJECTIVE_PARTS: dict[str, tuple[Callable[[torch.Tensor], torch.Tensor], Callable[[torch.Tensor], torch.Tensor]]] = {
    "bce": (lambda expert: F.softplus(-expert).mean(), lambda policy: F.softplus(policy).mean()),
    "seed-f": (lambda expert: -F.softplus(expert).mean(), lambda policy: -F.softplus(-policy).mean()),
}


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


def imitation_reward(logits: torch.Tensor, form: RewardForm) -> torch.Tensor:
    """The generator's reward from D's logits, (B,) -> (B,), in one of ``REWARD_FORMS``."""
    match form:
        case "log-d":  # ln D (the seed's u_t) = -softplus(-logit), always < 0
            return -F.softplus(-logits)
        case "neg-log-one-minus-d":  # -ln(1 - D) = softplus(logit), always > 0
            return F.softplus(logits)
        case "logit":  # ln D - ln(1 - D): its sign says whether D thinks the pair is expert-like
            return logits
        case _:
            assert_never(form)


@dataclass(frozen=True, kw_only=True)  # by name: a dozen numbers in a row are easily swapped
class DiscriminatorSettings:
    """What one update of D needs of the run's config."""

    steps: int  # passes over the policy's batch
    batch_size: int
    objective: str  # "bce" or "seed-f"
    grad_penalty: float
    judges_endings: bool


def ending_loss(
    disc: Discriminator,
    expert_end_obs: torch.Tensor,
    policy_end_obs: torch.Tensor,
    grad_penalty: float,
    objective: str = "bce",
) -> torch.Tensor | None:
    """D_end's share of D's loss: the demos' endings (1) against the policy's in this batch (0), by
    the same objective as D's ("bce" or "seed-f"), with the gradient penalty between them; None
    when there is nothing to learn from."""
    expert_part, policy_part = OBJECTIVE_PARTS[objective]
    device = expert_end_obs.device
    expert = disc.ending_inputs(expert_end_obs) if len(expert_end_obs) else None
    policy = disc.ending_inputs(policy_end_obs) if len(policy_end_obs) else None
    if expert is None and policy is None:
        return None
    loss = torch.zeros((), device=device)
    if expert is not None:
        loss = loss + expert_part(disc.ending_logits_from_inputs(expert))
    if policy is not None:
        loss = loss + policy_part(disc.ending_logits_from_inputs(policy))
    if expert is not None and policy is not None and grad_penalty > 0:
        size = max(len(expert), len(policy))
        e = expert[torch.randint(len(expert), (size,), device=device)]
        p = policy[torch.randint(len(policy), (size,), device=device)]
        loss = loss + grad_penalty * interpolated_gradient_penalty(e, p, disc.ending_logits_from_inputs)
    return loss


def update_discriminator(
    disc: Discriminator,
    optimizer: torch.optim.Optimizer,
    expert_obs: torch.Tensor,
    expert_actions: torch.Tensor,
    expert_end_obs: torch.Tensor,
    obs: torch.Tensor,
    actions: torch.Tensor,
    end_obs: torch.Tensor,
    settings: DiscriminatorSettings,
) -> tuple[dict[str, float], torch.Tensor]:
    """Minibatch steps of D (BCE or the seed's F) on policy pairs vs as many expert pairs, with the penalty.

    obs (B, obs_dim), actions (B,) or (B, act_dim): the policy's batch; end_obs (K, obs_dim): the
    states its episodes ended in. Returns D's statistics and the updated D's logits on the policy
    pairs, (B,), which the imitation reward is computed from. D's input normaliser is the
    caller's to update (update rules own no normaliser).
    """
    device = obs.device
    n_policy, n_expert = len(obs), len(expert_obs)
    batch_size = min(settings.batch_size, n_policy)
    objective = seed_objective if settings.objective == "seed-f" else bce_loss
    losses = []
    for _ in range(settings.steps):
        order = torch.randperm(n_policy, device=device)
        for start in range(0, n_policy - batch_size + 1, batch_size):
            p_index = order[start : start + batch_size]
            e_index = torch.randint(n_expert, (batch_size,), device=device)
            e_actions, p_actions = expert_actions[e_index], actions[p_index]
            e_inputs = disc.inputs(expert_obs[e_index], e_actions)
            p_inputs = disc.inputs(obs[p_index], p_actions)
            loss = objective(disc.logits_from_inputs(e_inputs, e_actions), disc.logits_from_inputs(p_inputs, p_actions))
            if settings.grad_penalty > 0:
                # On points between expert and policy inputs, scored for the expert's action.
                penalty = interpolated_gradient_penalty(
                    e_inputs, p_inputs, functools.partial(disc.logits_from_inputs, actions=e_actions)
                )
                loss = loss + settings.grad_penalty * penalty
            if (
                settings.judges_endings
                and (end_loss := ending_loss(disc, expert_end_obs, end_obs, settings.grad_penalty, settings.objective))
                is not None
            ):
                loss = loss + end_loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
    with torch.no_grad():
        sample = torch.randint(n_expert, (min(n_policy, 4096),), device=device)
        d_expert = torch.sigmoid(disc(expert_obs[sample], expert_actions[sample]))
        policy_logits = disc(obs, actions)
        d_policy = torch.sigmoid(policy_logits)
        accuracy_expert, accuracy_policy = (d_expert > 0.5).float().mean(), (d_policy < 0.5).float().mean()
        stats = {
            "disc_loss": float(torch.stack(losses).mean()),
            "disc_expert": float(d_expert.mean()),
            "disc_policy": float(d_policy.mean()),
            "disc_acc_expert": float(accuracy_expert),
            "disc_acc_policy": float(accuracy_policy),
            "disc_accuracy": float((accuracy_expert + accuracy_policy) / 2),
        }
        if settings.judges_endings:
            if len(expert_end_obs):
                stats["disc_end_expert"] = float(torch.sigmoid(disc.ending_logits(expert_end_obs)).mean())
            if len(end_obs):
                stats["disc_end_policy"] = float(torch.sigmoid(disc.ending_logits(end_obs)).mean())
    return stats, policy_logits
