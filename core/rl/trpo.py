"""TRPO from the seed: maximise the surrogate L(theta | theta_k) subject to KL <= delta.

The step direction solves F x = g by conjugate gradient, where g is the surrogate's gradient and
F the Fisher matrix, reached only through Fisher-vector products (the Hessian of the KL). The
step is scaled so that the quadratic model of the KL equals delta, then halved until the real
KL is within delta and the surrogate improved; if no halving works, the policy stays put.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch.distributions import kl_divergence

from core.rl.bc import bc_loss
from core.rl.fused_mlp import update_forward
from core.rl.nets import ActorCritic
from core.rl.ppo import probability_ratio, value_loss


@dataclass(frozen=True)
class TrpoStepStats:
    accepted: bool
    step_fraction: float  # of the full step, 0 when rejected
    kl: float
    surrogate_improvement: float


def flat_params(params: Sequence[torch.Tensor]) -> torch.Tensor:
    return torch.cat([p.data.reshape(-1) for p in params])


def set_flat_params(params: Sequence[torch.Tensor], flat: torch.Tensor) -> None:
    offset = 0
    for p in params:
        p.data.copy_(flat[offset : offset + p.numel()].view_as(p))
        offset += p.numel()


def flat_grad(
    output: torch.Tensor, params: Sequence[torch.Tensor], create_graph: bool = False, retain_graph: bool = False
) -> torch.Tensor:
    """d output / d params as one flat vector (zeros for unused params)."""
    grads = torch.autograd.grad(
        output, params, create_graph=create_graph, retain_graph=retain_graph or create_graph, allow_unused=True
    )
    return torch.cat(
        [(torch.zeros_like(p) if g is None else g).reshape(-1) for g, p in zip(grads, params, strict=True)]
    )


def conjugate_gradient(
    matrix_vector: Callable[[torch.Tensor], torch.Tensor], b: torch.Tensor, iters: int, tol: float = 1e-10
) -> torch.Tensor:
    """Approximately solve A x = b for symmetric positive-definite A given only x -> A x."""
    x = torch.zeros_like(b)
    residual = b.clone()
    direction = b.clone()
    residual_sq = residual @ residual
    for _ in range(iters):
        a_direction = matrix_vector(direction)
        alpha = residual_sq / (direction @ a_direction)
        x += alpha * direction
        residual -= alpha * a_direction
        new_residual_sq = residual @ residual
        if new_residual_sq < tol:
            break
        direction = residual + (new_residual_sq / residual_sq) * direction
        residual_sq = new_residual_sq
    return x


def trpo_step(
    params: Sequence[torch.Tensor],
    surrogate: Callable[[], torch.Tensor],
    kl: Callable[[], torch.Tensor],
    max_kl: float,
    cg_iters: int = 10,
    backtracks: int = 10,
    damping: float = 0.1,
    judged_by: Callable[[], torch.Tensor] | None = None,
) -> TrpoStepStats:
    """One TRPO update of ``params`` in place.

    surrogate(): the objective to maximise at the current params (a scalar with grad): the step's
    direction follows its gradient. kl(): mean KL(pi_theta_k || pi_theta) at the current params.
    judged_by(): what a step must improve to be accepted, as the seed says L(theta | theta_k);
    by default the surrogate itself. When the objective adds a term (BC) to L, L alone judges, so
    that no step is taken for that term at the surrogate's expense.
    """
    judge = judged_by or surrogate
    params = list(params)
    old_flat = flat_params(params)
    gradient = flat_grad(surrogate(), params)
    with torch.no_grad():
        judged_old = judge().item()
    if not torch.isfinite(gradient).all() or gradient.abs().max() == 0:
        return TrpoStepStats(False, 0.0, 0.0, 0.0)
    kl_gradient = flat_grad(kl(), params, create_graph=True)

    def fisher_vector(vector: torch.Tensor) -> torch.Tensor:
        # Every product differentiates kl_gradient again, so its graph is kept.
        return flat_grad(kl_gradient @ vector, params, retain_graph=True) + damping * vector

    direction = conjugate_gradient(fisher_vector, gradient, cg_iters)
    quadratic = direction @ fisher_vector(direction)
    if not torch.isfinite(quadratic) or quadratic <= 0:
        return TrpoStepStats(False, 0.0, 0.0, 0.0)
    full_step = torch.sqrt(2.0 * max_kl / quadratic) * direction
    with torch.no_grad():
        for halvings in range(backtracks):
            fraction = 0.5**halvings
            set_flat_params(params, old_flat + fraction * full_step)
            new_kl = kl().item()
            improvement = judge().item() - judged_old
            if new_kl <= max_kl and improvement > 0 and math.isfinite(improvement):
                return TrpoStepStats(True, fraction, new_kl, improvement)
        set_flat_params(params, old_flat)
    return TrpoStepStats(False, 0.0, 0.0, 0.0)


@dataclass(frozen=True, kw_only=True)  # by name: a dozen numbers in a row are easily swapped
class TrpoSettings:
    """What one TRPO update needs of the run's config."""

    max_kl: float
    cg_iters: int
    backtracks: int
    vf_iters: int
    minibatch_size: int
    bc_coef: float
    max_grad_norm: float


def trpo_update(
    policy: ActorCritic,
    critic_optimizer: torch.optim.Optimizer,
    samples: dict[str, torch.Tensor],
    expert: tuple[torch.Tensor, torch.Tensor] | None,
    settings: TrpoSettings,
) -> dict[str, float]:
    """One trust-region step of the actor, then minibatch epochs of the critic.

    ``samples`` as for ``ppo_update``; ``expert``: (obs, actions) for the BC term, or None.
    """
    obs, actions, logp_old = samples["obs"], samples["actions"], samples["logp"]
    advantages = (samples["advantages"] - samples["advantages"].mean()) / (samples["advantages"].std() + 1e-8)
    advantages = advantages * samples["weights"]
    with torch.no_grad():
        old_dist = policy.distribution(obs)

    def surrogate() -> torch.Tensor:  # L(theta | theta_k), the seed's
        dist = policy.distribution(obs)
        return (probability_ratio(policy.log_prob(dist, actions), logp_old) * advantages).mean()

    def objective() -> torch.Tensor:  # with the BC term: the direction; L alone accepts a step
        value = surrogate()
        if expert is not None:
            value = value - settings.bc_coef * bc_loss(policy, *expert)
        return value

    def mean_kl() -> torch.Tensor:
        kl = kl_divergence(old_dist, policy.distribution(obs))
        return (kl if policy.discrete else kl.sum(-1)).mean()

    step = trpo_step(
        policy.actor_parameters(),
        objective,
        mean_kl,
        settings.max_kl,
        settings.cg_iters,
        settings.backtracks,
        judged_by=surrogate,
    )
    value_losses = []
    size = len(obs)
    with torch.no_grad():
        x = policy.obs_norm(obs)  # normalised once: the normaliser is fixed during the update
    for _ in range(settings.vf_iters):
        order = torch.randperm(size, device=obs.device)
        for start in range(0, size, settings.minibatch_size):
            index = order[start : start + settings.minibatch_size]
            values = update_forward(policy.critic, x[index]).squeeze(-1)  # policy.value(obs[index]), fused
            v_loss = value_loss(values, samples["returns"][index], samples["values"][index], None)
            critic_optimizer.zero_grad()
            v_loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.critic.parameters(), settings.max_grad_norm)
            critic_optimizer.step()
            value_losses.append(v_loss.detach())
    with torch.no_grad():
        entropy = policy.entropy(policy.distribution(obs)).mean()
        bc_term = float(bc_loss(policy, *expert)) if expert is not None else None
    stats = {
        "approx_kl": step.kl,
        "trpo_step_fraction": step.step_fraction,
        "trpo_improvement": step.surrogate_improvement,
        "entropy": float(entropy),
        "value_loss": float(torch.stack(value_losses).mean()),
    }
    if bc_term is not None:
        stats["bc_loss"] = bc_term  # after the step, on the same expert minibatch
    return stats
