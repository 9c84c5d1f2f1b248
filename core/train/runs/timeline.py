"""Policy snapshots kept through training: the Watch view's timeline, the progress reel and
``video --snapshot`` play the policy as it was at any kept step.

Budget: at most ``MAX_SNAPSHOTS`` per run, evenly spread, the first before the first update and
the last at the end. Each is the policy alone (actor, critic, observation normaliser) as one
safetensors file: 38 KB for LunarLander's 64-unit networks, so about 1.3 MB a run.
"""

from __future__ import annotations

import re
from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from core.envs.registry import get_spec
from core.errors import CheckpointError
from core.fileio import atomic_write_bytes
from core.rl.nets import ActorCritic
from core.train.runs.layout import TIMELINE_DIR
from core.train.settings.config import TrainConfig

MAX_SNAPSHOTS = 32
_NAME = re.compile(r"^step-(\d{10})\.safetensors$")


def snapshot_every(config: TrainConfig) -> int:
    """Iterations (BC: epochs) between kept snapshots, so that a run keeps at most MAX_SNAPSHOTS."""
    total = config.bc_epochs if config.algo == "bc" else config.num_iterations
    return max(1, -(-total // (MAX_SNAPSHOTS - 2)))  # the first and the final one come on top


def save_snapshot(run_dir: Path, step: int, policy: ActorCritic) -> Path:
    """Keep ``policy`` as it is at ``step`` (env steps; BC: epochs), atomically."""
    tensors = {key: value.detach().cpu().contiguous() for key, value in policy.state_dict().items()}
    path = _path(run_dir, step)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, save_safetensors(tensors, {"step": str(step)}))
    return path


def thin_snapshots(run_dir: Path) -> None:
    """Keep MAX_SNAPSHOTS at most, evenly spread, the first and the last always among them."""
    steps = snapshot_steps(run_dir)
    if len(steps) <= MAX_SNAPSHOTS:
        return
    kept = {steps[round(i * (len(steps) - 1) / (MAX_SNAPSHOTS - 1))] for i in range(MAX_SNAPSHOTS)}
    for step in set(steps) - kept:
        _path(run_dir, step).unlink(missing_ok=True)


def drop_snapshots_after(run_dir: Path, step: int) -> None:
    """A resumed run restarts from its checkpoint at ``step``: later snapshots are of a lost past."""
    for later in (s for s in snapshot_steps(run_dir) if s > step):
        _path(run_dir, later).unlink(missing_ok=True)


def _path(run_dir: Path, step: int) -> Path:
    return Path(run_dir) / TIMELINE_DIR / f"step-{step:010d}.safetensors"


def snapshot_steps(run_dir: Path) -> list[int]:
    """The steps a run kept a snapshot at, in order (empty for runs from before the timeline)."""
    folder = Path(run_dir) / TIMELINE_DIR
    if not folder.is_dir():
        return []
    return sorted(int(match.group(1)) for path in folder.iterdir() if (match := _NAME.match(path.name)))


def load_snapshot(run_dir: Path, step: int, config: TrainConfig) -> ActorCritic:
    """The policy as it was at ``step``; CheckpointError names a missing or unreadable snapshot."""
    path = _path(run_dir, step)
    if not path.is_file():
        kept = ", ".join(f"{s:,}" for s in snapshot_steps(run_dir)) or "none"
        raise CheckpointError(f"{run_dir}: no snapshot at step {step:,} (kept: {kept})")
    policy = ActorCritic(get_spec(config.env), config.hidden_size, config.normalize_obs)
    try:
        policy.load_state_dict(load_safetensors(path.read_bytes()))
    except (SafetensorError, RuntimeError, ValueError) as error:
        raise CheckpointError(f"{path}: not a readable policy snapshot ({error})") from None
    return policy.eval()
