"""The optimiser and gradient clipping every update rule uses, written for tiny networks."""

from __future__ import annotations

from collections.abc import Iterable

import torch


def adam(params: Iterable[torch.nn.Parameter], lr: float, eps: float = 1e-8) -> torch.optim.Adam:
    """Adam with the fused kernel: a third of the for-loop version's time per step here, where the
    networks are small and per-tensor overhead dominates."""
    return torch.optim.Adam(params, lr=lr, eps=eps, fused=True)


def clip_grad_norms(groups: list[list[torch.nn.Parameter]], max_norm: float) -> None:
    """``clip_grad_norm_`` on each group apart, with one norm kernel for all of them.

    The same arithmetic as torch's (scale by max_norm / (norm + 1e-6) when that is below 1);
    written out because the PPO loop calls it 80 times an iteration on small tensors, where the
    per-call bookkeeping of two library calls cost a tenth of a minibatch step.
    """
    grads = [[p.grad for p in group if p.grad is not None] for group in groups]
    norms = torch._foreach_norm([g for group in grads for g in group])  # one kernel for every tensor
    start = 0
    for group in grads:
        if not group:
            continue
        total = torch.linalg.vector_norm(torch.stack(norms[start : start + len(group)]))
        start += len(group)
        torch._foreach_mul_(group, torch.clamp(max_norm / (total + 1e-6), max=1.0))
