"""PPO's two objectives from the seed, written as losses to minimise, and the update that uses them.

r = pi(a|s; theta) / pi(a|s; theta_k), A = advantage under theta_k.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from core.rl.fused_mlp import update_forward
from core.rl.nets import ActorCritic
from core.rl.optim import clip_grad_norms


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


@dataclass(frozen=True, kw_only=True)  # by name: a dozen numbers in a row are easily swapped
class PpoSettings:
    """What one PPO update needs of the run's config."""

    objective: str  # "ppo-clip" or "ppo-kl"
    update_epochs: int
    minibatch_size: int
    clip_coef: float
    clip_value_loss: bool
    vf_coef: float
    ent_coef: float
    bc_coef: float
    max_grad_norm: float


def ppo_update(
    policy: ActorCritic,
    optimizer: torch.optim.Optimizer,
    samples: dict[str, torch.Tensor],
    expert_obs: torch.Tensor,
    expert_actions: torch.Tensor,
    settings: PpoSettings,
    kl_beta: float,
) -> dict[str, float]:
    """Epochs of minibatch steps on the clip or KL-penalty objective, the value loss and the BC term.

    ``samples``: the flat batch, each (B, ...): obs, actions, logp, values, advantages, returns,
    weights (importance weights of a batch collected by an older policy; 1 otherwise). Returns
    the update's statistics; ``approx_kl`` is the KL between the policy before and after the
    whole update, measured once on the whole batch: the one the seed's adaptive beta looks at.

    Written for few torch operations per step (the networks are tiny, so each operation's
    overhead costs more than its arithmetic): observations are normalised once per update,
    each epoch's shuffle is one ``index_select`` per field (half the time of indexing with a
    tensor), the BC term's expert states go through the actor in the same call as the policy's,
    and both networks run forward and backward as one node each (``fused_mlp.update_forward``).
    """
    device = samples["obs"].device
    size, minibatch = len(samples["obs"]), settings.minibatch_size
    with torch.no_grad():
        fields = {
            "x": policy.obs_norm(samples["obs"]),
            **{key: samples[key] for key in ("actions", "logp", "advantages", "returns", "values", "weights")},
        }
        expert_x = policy.obs_norm(expert_obs) if settings.bc_coef > 0 else None
    clip_value = settings.clip_coef if settings.clip_value_loss else None
    clipfracs, entropies, value_losses, policy_losses, bc_losses = [], [], [], [], []
    grad_groups = [policy.actor_parameters(), list(policy.critic.parameters())]
    for epoch in range(settings.update_epochs):
        order = torch.randperm(size, device=device)
        shuffled = {key: value.index_select(0, order) for key, value in fields.items()}
        # Advantages normalised per minibatch (as CleanRL), all minibatches in one go, then
        # weighted: w * min(r A, clip(r) A) = min(r wA, clip(r) wA) for w >= 0.
        per_minibatch = shuffled["advantages"].view(-1, minibatch)
        per_minibatch = (per_minibatch - per_minibatch.mean(1, keepdim=True)) / (
            per_minibatch.std(1, keepdim=True) + 1e-8
        )
        shuffled["advantages"] = per_minibatch.reshape(-1) * shuffled["weights"]
        last_epoch = epoch == settings.update_epochs - 1
        for start in range(0, size, minibatch):
            mb = {key: value[start : start + minibatch] for key, value in shuffled.items()}
            if expert_x is not None:
                expert_index = torch.randint(len(expert_x), (len(mb["x"]),), device=device)
                out = update_forward(policy.actor, torch.cat([mb["x"], expert_x.index_select(0, expert_index)]))
                out, expert_out = out[: len(mb["x"])], out[len(mb["x"]) :]
            else:
                out = update_forward(policy.actor, mb["x"])
            if settings.ent_coef > 0:
                logp_new, entropy = policy.head_log_prob_entropy(out, mb["actions"])
                entropy = entropy.mean()
            else:  # the entropy is only reported: measured once, in the last epoch
                logp_new, entropy = policy.head_log_prob(out, mb["actions"]), None
            logp_old, advantages = mb["logp"], mb["advantages"]
            if settings.objective == "ppo-clip":
                policy_loss = clip_loss(logp_new, logp_old, advantages, settings.clip_coef)
            else:
                policy_loss = kl_penalty_loss(logp_new, logp_old, advantages, kl_beta)
            values = update_forward(policy.critic, mb["x"]).squeeze(-1)
            v_loss = value_loss(values, mb["returns"], mb["values"], clip_value)
            loss = policy_loss + settings.vf_coef * v_loss
            if entropy is not None:
                loss = loss - settings.ent_coef * entropy
            if expert_x is not None:
                bc_term = policy.head_nll(expert_out, expert_actions.index_select(0, expert_index))
                loss = loss + settings.bc_coef * bc_term
                bc_losses.append(bc_term.detach())
            optimizer.zero_grad()
            loss.backward()
            # Actor and critic are clipped apart: a large value loss must not shrink the policy step.
            clip_grad_norms(grad_groups, settings.max_grad_norm)
            optimizer.step()
            if last_epoch:
                # Clip fraction and entropy of the last epoch: how far the update has moved pi.
                with torch.no_grad():
                    clipfracs.append(clip_fraction(logp_new, logp_old, settings.clip_coef))
                    if entropy is None:
                        entropy = policy.head_log_prob_entropy(out, mb["actions"])[1].mean()
                    entropies.append(entropy.detach())
            value_losses.append(v_loss.detach())
            policy_losses.append(policy_loss.detach())
    with torch.no_grad():  # KL(pi_old || pi_new) after the update, on every sample of the batch
        logp_after = policy.head_log_prob(policy.actor(fields["x"]), fields["actions"])
        kl_after = approx_kl(logp_after, fields["logp"])
    stats = {
        "approx_kl": float(kl_after),
        "clip_fraction": float(torch.stack(clipfracs).mean()),
        "entropy": float(torch.stack(entropies).mean()),
        "value_loss": float(torch.stack(value_losses).mean()),
        "policy_loss": float(torch.stack(policy_losses).mean()),
    }
    if bc_losses:
        stats["bc_loss"] = float(torch.stack(bc_losses).mean())
    return stats
