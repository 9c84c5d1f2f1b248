"""Where the updates run: the CPU, or CUDA when torch sees it (env stepping is always on the CPU)."""

from __future__ import annotations

import torch

from core.errors import TrainingError


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; ``cuda`` without CUDA is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise TrainingError(
            "device: cuda was requested, but torch sees no CUDA device (torch.cuda.is_available() is False)"
        )
    return torch.device(name)
