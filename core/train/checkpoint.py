"""Checkpoint files, without pickle: ``checkpoints/latest.safetensors`` with its ``latest.json``.

Tensors (networks, optimiser moments) go through safetensors; counters and settings that are not
tensors go to the JSON file. Both are written atomically, so a crash keeps the previous checkpoint
whole. The rest of a run folder is ``core.train.run_dir.RunDir``'s.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from core.errors import CheckpointError
from core.fileio import atomic_write_bytes, atomic_write_text

CHECKPOINT_DIR = "checkpoints"
LATEST = "latest"


@dataclass(frozen=True)
class Checkpoint:
    """Named tensor groups (``policy``, ``disc``, optimiser states...) and JSON-able state."""

    tensors: dict[str, dict[str, torch.Tensor]]
    state: dict[str, Any]


def save_checkpoint(run_dir: Path, checkpoint: Checkpoint, name: str = LATEST) -> Path:
    """Write ``checkpoints/<name>.safetensors`` and ``<name>.json``; returns the tensor file."""
    folder = Path(run_dir) / CHECKPOINT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    flat = {
        f"{group}/{key}": tensor.detach().cpu().contiguous()
        for group, tensors in checkpoint.tensors.items()
        for key, tensor in tensors.items()
    }
    tensor_path = folder / f"{name}.safetensors"
    # Tensors first: a crash between the two writes leaves a new tensor file with the old JSON,
    # which still loads (the JSON records which groups to expect, and they are all present).
    atomic_write_bytes(tensor_path, save_safetensors(flat))
    atomic_write_text(folder / f"{name}.json", json.dumps({**checkpoint.state, "groups": sorted(checkpoint.tensors)}))
    return tensor_path


def existing_checkpoint(run_dir: Path | None, name: str = LATEST) -> Path | None:
    """The run's checkpoint tensor file if one was written, else None (for "what is kept" messages)."""
    if run_dir is None:
        return None
    path = Path(run_dir) / CHECKPOINT_DIR / f"{name}.safetensors"
    return path if path.exists() else None


def load_checkpoint(run_dir: Path, name: str = LATEST) -> Checkpoint:
    """Read a checkpoint; CheckpointError says which file is missing or unreadable."""
    folder = Path(run_dir) / CHECKPOINT_DIR
    tensor_path, state_path = folder / f"{name}.safetensors", folder / f"{name}.json"
    for path in (tensor_path, state_path):
        if not path.is_file():
            raise CheckpointError(f"{path}: checkpoint file missing")
    try:
        flat = load_safetensors(tensor_path.read_bytes())
    except (SafetensorError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{tensor_path}: not a readable checkpoint, truncated or corrupt ({error})") from None
    try:
        state = json.loads(state_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{state_path}: not valid JSON ({error})") from None
    tensors: dict[str, dict[str, torch.Tensor]] = {group: {} for group in state.pop("groups", [])}
    for flat_key, tensor in flat.items():
        group, _, key = flat_key.partition("/")
        tensors.setdefault(group, {})[key] = tensor
    missing = [group for group, content in tensors.items() if not content]
    if missing:
        raise CheckpointError(f"{tensor_path}: lacks the tensor group(s) {', '.join(missing)}")
    return Checkpoint(tensors, state)


def optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Split an optimiser's state into flat tensors and a JSON-able remainder."""
    state_dict = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for param_id, param_state in state_dict["state"].items():
        for key, value in param_state.items():
            if torch.is_tensor(value):
                tensors[f"{param_id}.{key}"] = value
            else:
                scalars.setdefault(str(param_id), {})[key] = value
    return tensors, {"param_groups": state_dict["param_groups"], "scalars": scalars}


def restore_optimizer(optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], rest: dict[str, Any]) -> None:
    state: dict[int, dict[str, Any]] = {}
    for flat_key, tensor in tensors.items():
        param_id, _, key = flat_key.partition(".")
        state.setdefault(int(param_id), {})[key] = tensor
    for param_id, scalars in rest.get("scalars", {}).items():
        state.setdefault(int(param_id), {}).update(scalars)
    optimizer.load_state_dict({"state": state, "param_groups": rest["param_groups"]})


class CheckpointSchedule:
    """When a run saves: every ``every_iters`` iterations, and at least every ``every_s`` seconds
    (0 = by iterations only), so that a kill or a crash loses at most that much of a long run."""

    def __init__(self, every_iters: int, every_s: float) -> None:
        self.every_iters, self.every_s = every_iters, every_s
        self._saved_at = time.monotonic()  # the last checkpoint, or the start

    def due(self, iteration: int) -> bool:
        late = self.every_s > 0 and time.monotonic() - self._saved_at >= self.every_s
        return late or iteration % self.every_iters == 0

    def saved(self) -> None:
        self._saved_at = time.monotonic()
