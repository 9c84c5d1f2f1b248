"""A run's policy as an ONNX model: observations in, the deterministic action and the actor's raw
output (logits, or the Gaussian's mean) out, with the observation normalisation inside, so that
any ONNX runtime plays it as the Watch view does.

Inputs and outputs: ``obs`` (batch, obs_dim) float32 -> ``action`` (batch,) int64 for discrete
envs (argmax of the logits) or (batch, act_dim) float32 clipped to the env's bounds, and
``logits`` or ``mean`` (batch, n). Exported with torch's ``torch.export``-based exporter.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import nn

from core.envs.registry import EnvSpec, get_spec
from core.errors import StudioError
from core.fileio import atomic_write_bytes
from core.rl.nets import ActorCritic
from core.train.runs.run_dir import RunDir

OPSET = 18


class DeterministicPolicy(nn.Module):
    """The actor as it plays: normalise, the MLP, then the mode (argmax, or the clipped mean)."""

    low: torch.Tensor  # continuous action bounds, registered buffers
    high: torch.Tensor

    def __init__(self, policy: ActorCritic, spec: EnvSpec) -> None:
        super().__init__()
        self.obs_norm, self.actor, self.discrete = policy.obs_norm, policy.actor, spec.is_discrete
        if not self.discrete:
            self.register_buffer("low", torch.tensor(spec.action_low, dtype=torch.float32))
            self.register_buffer("high", torch.tensor(spec.action_high, dtype=torch.float32))

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.actor(self.obs_norm(obs))
        if self.discrete:
            return torch.argmax(out, dim=-1), out
        return torch.clamp(out, self.low, self.high), out


def export_onnx(run_dir: Path, target: Path) -> Path:
    """Write ``run_dir``'s latest policy to ``target`` (atomically); returns it."""
    if Path(target).suffix.lower() != ".onnx":
        raise StudioError(f"{target}: name the file .onnx")
    policy, config = RunDir(Path(run_dir)).load_policy()
    spec = get_spec(config.env)
    model = DeterministicPolicy(policy.eval(), spec).eval()
    # A pixel env's input (its stacked grey frames, 0..255) goes in as float32 like a vector's.
    example = torch.zeros(1, spec.input_dim, dtype=torch.float32)
    second = "logits" if spec.is_discrete else "mean"
    try:
        with warnings.catch_warnings(), _quiet("torch.onnx"):
            warnings.simplefilter("ignore")  # the exporter's notes on torch internals, not the user's concern
            program = torch.onnx.export(
                model,
                (example,),
                input_names=["obs"],
                output_names=["action", second],
                dynamic_shapes={"obs": {0: torch.export.Dim("batch")}},
                opset_version=OPSET,
                dynamo=True,
                verbose=False,
            )
        if program is None:
            raise StudioError("the ONNX exporter returned no model")
        with tempfile.TemporaryDirectory() as scratch:
            written = Path(scratch) / "policy.onnx"
            program.save(written)
            data = written.read_bytes()
    except ImportError as error:
        raise StudioError(
            f"ONNX export needs the share extra (pip install 'imitation-studio[share]'): {error}"
        ) from None
    except Exception as error:  # noqa: BLE001 - the exporter's many failures: one line naming the run
        raise StudioError(f"{run_dir}: the ONNX exporter failed ({type(error).__name__}: {error})") from None
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(Path(target), data)
    return Path(target)


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Hold a logger to errors (the exporter logs every optional library it skips)."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
