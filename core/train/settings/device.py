"""Where the updates run: the CPU, or CUDA when torch sees it (env stepping is always on the CPU).

``auto`` picks the device that trains the run's networks faster, by a measured rule: on the H200
machine a LunarLander run with the default 64-unit MLPs trained at 0.68x its CPU's speed on CUDA
(each minibatch is too small to fill a GPU, and every update pays for launches and copies), so
small MLPs stay on the CPU even where CUDA is available. Networks of ``GPU_FROM_UNITS`` units or
more go to CUDA; that bound has not been measured yet (no GPU was lent since), so it is set where a
layer's matrix multiply is some hundred times the 64-unit one's. ``cpu`` and ``cuda`` force either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from core.errors import TrainingError

if TYPE_CHECKING:
    from core.train.settings.config import TrainConfig

GPU_FROM_UNITS = 512  # hidden units from which auto trains on CUDA (see the module's doc)


@dataclass(frozen=True)
class DeviceChoice:
    """Where a run trains, and why in words."""

    device: torch.device
    reason: str  # in plain words, for the run's first line


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU (what the machine has); ``cuda`` without CUDA is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise TrainingError(
            "device: cuda was requested, but torch sees no CUDA device (torch.cuda.is_available() is False)"
        )
    return torch.device(name)


def device_for(config: TrainConfig) -> DeviceChoice:
    """The device a run trains on, and why: ``config.device`` forced, or auto's rule for its networks."""
    if config.device != "auto":
        return DeviceChoice(resolve_device(config.device), f"{config.device}, as set")
    if not torch.cuda.is_available():
        return DeviceChoice(torch.device("cpu"), "auto: no CUDA device")
    units = max(config.hidden_size, config.disc_hidden_size)
    if units < GPU_FROM_UNITS:
        return DeviceChoice(
            torch.device("cpu"),
            f"auto: {units}-unit networks train faster on the CPU than on CUDA (set device=cuda to force it)",
        )
    return DeviceChoice(torch.device("cuda"), f"auto: {units}-unit networks train faster on CUDA")
