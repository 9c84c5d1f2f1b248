"""Training diverged: which number or network went non-finite, and when, as a TrainingError."""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch

from core.errors import TrainingError


def require_finite(name: str, tensor: torch.Tensor, iteration: int) -> None:
    """Raise TrainingError if ``tensor`` holds NaN or inf (``iteration``: the one under way)."""
    if not torch.isfinite(tensor).all():
        raise TrainingError(f"training diverged: {name} is not finite at iteration {iteration}")


def check_finite(scalars: Mapping[str, float], networks: Mapping[str, torch.nn.Module], iteration: int) -> None:
    """Raise TrainingError naming the first diverged reported number or network parameter."""
    for name, value in scalars.items():
        if not math.isfinite(value):
            raise TrainingError(f"training diverged: {name} is {value} at iteration {iteration}")
    for label, module in networks.items():
        for name, tensor in module.state_dict().items():
            if not torch.isfinite(tensor).all():
                raise TrainingError(
                    f"training diverged: {label} parameter {name} is not finite at iteration {iteration}"
                )
