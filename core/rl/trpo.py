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
) -> TrpoStepStats:
    """One TRPO update of ``params`` in place.

    surrogate(): L(theta | theta_k) at the current params, to maximise (a scalar with grad).
    kl(): mean KL(pi_theta_k || pi_theta) at the current params (a scalar with grad).
    """
    params = list(params)
    old_flat = flat_params(params)
    surrogate_at_old = surrogate()
    gradient = flat_grad(surrogate_at_old, params)
    surrogate_old = surrogate_at_old.item()
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
            improvement = surrogate().item() - surrogate_old
            if new_kl <= max_kl and improvement > 0 and math.isfinite(improvement):
                return TrpoStepStats(True, fraction, new_kl, improvement)
        set_flat_params(params, old_flat)
    return TrpoStepStats(False, 0.0, 0.0, 0.0)
