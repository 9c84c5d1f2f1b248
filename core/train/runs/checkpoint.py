"""Checkpoint files, without pickle: ``checkpoints/latest.safetensors`` with its ``latest.json``.

Tensors (networks, optimiser moments) go through safetensors; counters and settings that are not
tensors go to the JSON file, with the tensor file's sha256. Both are written atomically, so a
crash keeps the previous checkpoint whole; loading checks the hash and that every number is
finite, so flipped bits or a file from elsewhere are refused by name instead of evaluated. The
rest of a run folder is ``core.train.runs.run_dir.RunDir``'s.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from core.errors import CheckpointError
from core.fileio import atomic_write_bytes, atomic_write_text
from core.records import FieldReader, read_json_object
from core.train.runs.layout import CHECKPOINT_DIR

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
    data = save_safetensors(flat)
    record = {**checkpoint.state, "groups": sorted(checkpoint.tensors), "sha256": hashlib.sha256(data).hexdigest()}
    # Tensors first, then the JSON that vouches for them: a crash between the two writes leaves
    # tensors the JSON's hash does not match, which loading refuses rather than mixes.
    atomic_write_bytes(tensor_path, data)
    atomic_write_text(folder / f"{name}.json", json.dumps(record))
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
    data = tensor_path.read_bytes()
    state = checked_state(read_json_object(state_path, CheckpointError), str(state_path))
    digest = state.pop("sha256", None)  # absent in checkpoints written before it was kept
    if digest is not None and hashlib.sha256(data).hexdigest() != digest:
        raise CheckpointError(f"{tensor_path}: corrupt (its sha256 differs from the one {state_path.name} records)")
    try:
        flat = load_safetensors(data)
    except (SafetensorError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{tensor_path}: not a readable checkpoint, truncated or corrupt ({error})") from None
    bad = [key for key, tensor in flat.items() if tensor.is_floating_point() and not torch.isfinite(tensor).all()]
    if bad:
        raise CheckpointError(f"{tensor_path}: holds NaN or infinite numbers ({', '.join(bad[:3])})")
    tensors: dict[str, dict[str, torch.Tensor]] = {group: {} for group in state.pop("groups", [])}
    for flat_key, tensor in flat.items():
        group, _, key = flat_key.partition("/")
        tensors.setdefault(group, {})[key] = tensor
    missing = [group for group, content in tensors.items() if not content]
    if missing:
        raise CheckpointError(f"{tensor_path}: lacks the tensor group(s) {', '.join(missing)}")
    return Checkpoint(tensors, state)


# The numbers a trainer keeps in a checkpoint's state beside the counters (see Trainer.save).
STATE_NUMBERS = ("wall_time_s", "kl_beta", "reward_return_var", "policy_absorbing_share")


def checked_state(state: dict[str, Any], source: str) -> dict[str, Any]:
    """``state`` when each field a checkpoint keeps has its type; else a CheckpointError naming
    ``source`` and the field (a hand-edited ``"kl_beta": "x"`` or a string of param_groups)."""
    fields = FieldReader(state, source, CheckpointError)
    for counter in ("iteration", "env_steps"):
        fields.integer(counter)
    for name in STATE_NUMBERS:
        if name in state:
            fields.number(name)
    if "sha256" in state:
        fields.text("sha256")
    if "groups" in state and not (
        isinstance(state["groups"], list) and all(isinstance(group, str) for group in state["groups"])
    ):
        raise CheckpointError(f"{source}: field 'groups' must be a list of names, not {state['groups']!r:.60}")
    for name, value in state.items():
        if isinstance(value, dict):  # an optimizer's remainder (see optimizer_tensors)
            _check_optimizer_state(value, f"{source} {name}")
    return state


def _check_optimizer_state(rest: dict[str, Any], source: str) -> None:
    fields = FieldReader(rest, source, CheckpointError)
    for group in fields.objects("param_groups"):
        params = group.record.get("params")
        if not (isinstance(params, list) and all(type(param) is int for param in params)):
            raise CheckpointError(f"{group.source}: field 'params' must be a list of whole numbers")
    scalars = rest.get("scalars", {})
    if not (
        isinstance(scalars, dict) and all(key.isdigit() and isinstance(value, dict) for key, value in scalars.items())
    ):
        raise CheckpointError(f"{source}: field 'scalars' must map parameter numbers to objects")


def load_networks_into(checkpoint: Checkpoint, where: Path, **modules: torch.nn.Module) -> None:
    """Load each module's weights (``policy=..., disc=...``) from the checkpoint; CheckpointError
    says, naming ``where``, that they do not fit the modules built from the config."""
    try:
        for name, module in modules.items():
            module.load_state_dict(checkpoint.tensors[name])
    except (KeyError, RuntimeError, ValueError) as error:
        raise CheckpointError(f"{where}: checkpoint does not fit this config ({error})") from None


def training_checkpoint(
    networks: dict[str, torch.nn.Module], optimizers: dict[str, torch.optim.Optimizer], state: dict[str, Any]
) -> Checkpoint:
    """A trainer's checkpoint: the networks' weights, the optimizers' moments, and ``state``."""
    tensors = {name: module.state_dict() for name, module in networks.items()}
    state = dict(state)
    for name, optimizer in optimizers.items():
        moments, rest = optimizer_tensors(optimizer)
        if moments:
            tensors[name] = moments
        state[name] = rest
    return Checkpoint(tensors, state)


def restore_training(
    checkpoint: Checkpoint,
    where: Path,
    networks: dict[str, torch.nn.Module],
    optimizers: dict[str, torch.optim.Optimizer],
) -> dict[str, Any]:
    """Load what ``training_checkpoint`` saved into the networks and optimizers; returns the state."""
    load_networks_into(checkpoint, where, **networks)
    state_path = Path(where) / CHECKPOINT_DIR / f"{LATEST}.json"
    try:
        for name, optimizer in optimizers.items():
            if name in checkpoint.tensors:  # absent before its first step (and in older runs)
                rest = checkpoint.state[name]
                if not isinstance(rest, dict):  # checked_state checks the objects; an edit can make it none
                    raise CheckpointError(
                        f"{state_path}: field {name!r} must be an optimizer's state, not {rest!r:.60}"
                    )
                _check_groups_fit(optimizer, rest, f"{state_path} {name}")
                restore_optimizer(optimizer, checkpoint.tensors[name], rest)
    except (KeyError, RuntimeError, ValueError) as error:
        raise CheckpointError(f"{where}: checkpoint does not fit this config ({error})") from None
    return checkpoint.state


def _check_groups_fit(optimizer: torch.optim.Optimizer, rest: dict[str, Any], source: str) -> None:
    """CheckpointError naming ``source`` when a saved group's setting is of another kind than the
    optimizer's own (betas as text or one number, an lr as a list): torch takes any value on load,
    and the first step after a resume would fail on it."""
    for index, (saved, own) in enumerate(zip(rest["param_groups"], optimizer.param_groups, strict=False)):
        for key, value in saved.items():
            if key != "params" and key in own and _kind(value) != _kind(own[key]):
                raise CheckpointError(
                    f"{source} param_groups[{index}]: field {key!r} must be {_kind(own[key])}, not {value!r:.60}"
                )


def _kind(value: Any) -> str:
    """What a setting of an optimizer's group is, in words (a switch may be null: torch's 'unset')."""
    if value is None or isinstance(value, bool):
        return "true, false or null"
    if isinstance(value, int | float):
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an integer of hundreds of digits
            finite = False
        return "a finite number" if finite else "a number that is not finite"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} " + (
            "finite numbers" if all(_kind(v) == "a finite number" for v in value) else "values"
        )
    return type(value).__name__


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

    def __init__(self, every_iters: int, every_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.every_iters = every_iters
        self.every_s = every_s
        self.clock = clock  # seconds; a test passes its own
        self._saved_at = clock()  # the last checkpoint, or the start

    def due(self, iteration: int) -> bool:
        late = self.every_s > 0 and self.clock() - self._saved_at >= self.every_s
        return late or iteration % self.every_iters == 0

    def saved(self) -> None:
        self._saved_at = self.clock()
