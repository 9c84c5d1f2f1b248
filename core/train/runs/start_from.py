"""A new run that starts from another run's networks: coach mode's "train on corrections".

The policy and D, with their input normalisers, come from the other run's latest checkpoint; the
optimizers, the counters and the reward statistics start afresh, and the BC warm start is skipped
(the policy already plays). The new run records where it started (``origin.json``), so its curves
can be read as a continuation. Settings that shape the networks must be the other run's.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import CheckpointError
from core.rl.nets import ActorCritic, Discriminator
from core.train.runs.checkpoint import load_networks_into
from core.train.runs.records import Origin
from core.train.runs.run_dir import RunDir
from core.train.settings.config import TrainConfig
from core.train.settings.rule_settings import judges_endings

# What the networks' shapes depend on.
SHAPE_FIELDS = ("env", "hidden_size", "disc_hidden_size", "normalize_obs")


def load_start(policy: ActorCritic, disc: Discriminator, config: TrainConfig, source: Path) -> Origin:
    """Load ``source``'s latest policy and D into ``policy`` and ``disc``; returns what the new
    run records of its origin. CheckpointError names a run without a checkpoint or of other shape."""
    run = RunDir(Path(source))
    other = run.config()
    differ = [name for name in SHAPE_FIELDS if getattr(other, name) != getattr(config, name)]
    if judges_endings(other) != judges_endings(config):
        differ.append("disc_judges_endings")
    if differ:
        raise CheckpointError(f"{run.path}: cannot start from this run, its {', '.join(differ)} differ")
    if run.latest_checkpoint() is None:
        raise CheckpointError(f"{run.path}: has no checkpoint to start from")
    checkpoint = run.checkpoint()
    load_networks_into(checkpoint, run.path, policy=policy, disc=disc)
    return Origin(
        run=str(run.path.resolve()),
        iteration=int(checkpoint.state["iteration"]),
        env_steps=int(checkpoint.state["env_steps"]),
    )
