"""A sweep's specification (a JSON file): the env, the demos, fixed settings, a search space over
``TrainConfig`` fields and seeds, the metric, and early stopping. Checked whole before anything
runs, each problem a one-line error naming the field.

    {
      "name": "cartpole-tiny",
      "env": "CartPole-v1",
      "demos": "samples",                      # or a demo folder (relative to the spec file)
      "fixed": {"total_steps": 12288, "eval_every_iters": 2},
      "search": {
        "learning_rate": {"grid": [1e-4, 3e-4]},          # every value
        "disc_learning_rate": {"loguniform": [1e-4, 3e-3]}, # sampled
        "seed": {"grid": [0, 1]}
      },
      "samples": 1,                            # draws of the sampled fields per grid point
      "metric": "normalized_eval_return",      # the only metric: random 0, the demos' mean 1
      "early_stopping": {"grace_evaluations": 2, "reduction_factor": 2}   # ASHA; or null
    }
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from core.errors import StudioError
from core.records import read_json_object

METRIC = "normalized_eval_return"
KINDS = ("grid", "choice", "uniform", "loguniform")
# The trial's length and its evaluations set ASHA's time axis, the same for every trial: fixed only.
FIXED_ONLY = ("total_steps", "num_envs", "num_steps", "eval_every_iters", "algo")


@dataclass(frozen=True)
class SweepSpec:
    name: str
    env: str
    demos: str  # "samples" or a folder
    fixed: dict[str, Any]
    search: dict[str, dict[str, list]]  # field -> {kind: values}
    samples: int
    metric: str
    grace_evaluations: int | None  # None: no early stopping
    reduction_factor: float
    source: Path

    def demos_folder(self) -> Path:
        from core.paths import sample_demos_dir

        if self.demos == "samples":
            return sample_demos_dir(self.env)
        folder = Path(self.demos)
        return folder if folder.is_absolute() else (self.source.parent / folder).resolve()

    @property
    def evaluations(self) -> int:
        """Periodic evaluations a full trial makes (ASHA's time axis)."""
        from core.train.settings.config import default_config

        config = default_config(self.env, **self.fixed)
        return max(1, config.num_iterations // max(1, config.eval_every_iters))


SPEC_MAX_BYTES = 2**20  # a spec is a few hundred bytes
MAX_SAMPLES = 10_000  # samples of the whole search space; each a full training run
# ASHA keeps one trial in reduction_factor at each rung; past a hundred it keeps one of the whole
# sweep after the first rung, and an unbounded number (1e999, 10**400) is no factor Ray can use.
MAX_REDUCTION_FACTOR = 100


def load_spec(path: Path) -> SweepSpec:
    """Read and check a sweep spec; StudioError names the file and the field."""
    path = Path(path)
    raw = read_json_object(path, StudioError, SPEC_MAX_BYTES)
    unknown = sorted(set(raw) - {"name", "env", "demos", "fixed", "search", "samples", "metric", "early_stopping"})
    if unknown:
        raise StudioError(f"{path}: unknown field(s) {', '.join(unknown)}")
    return _checked(raw, path)


def _checked(raw: dict, path: Path) -> SweepSpec:
    """The spec from its fields, checked one after the other: the first problem is the StudioError."""
    env = _checked_env(raw.get("env"), path)
    fixed, search = _checked_settings(env, raw.get("fixed", {}), raw.get("search"), path)
    metric = raw.get("metric", METRIC)
    if metric != METRIC:
        raise StudioError(f"{path}: metric must be {METRIC!r} (random 0, the demos' mean 1)")
    stopping = raw.get("early_stopping", {"grace_evaluations": 2, "reduction_factor": 2})
    if stopping is not None:
        _check_early_stopping(stopping, path)
    name = str(raw.get("name") or path.stem)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise StudioError(f"{path}: name {name!r}: letters, digits, '.', '_' and '-' only (it names folders)")
    samples = raw.get("samples", 1)
    if not (_positive_int(samples) and samples <= MAX_SAMPLES):
        raise StudioError(f"{path}: samples must be a whole number from 1 to {MAX_SAMPLES:,}")
    if not isinstance(raw.get("demos", "samples"), str):
        raise StudioError(f"{path}: demos must name a demo folder (or 'samples')")
    spec = SweepSpec(
        name=name,
        env=env,
        demos=str(raw.get("demos", "samples")),
        fixed=fixed,
        search=search,
        samples=samples,
        metric=metric,
        grace_evaluations=int(stopping.get("grace_evaluations", 2)) if stopping else None,
        reduction_factor=float(stopping.get("reduction_factor", 2)) if stopping else 2.0,
        source=path.resolve(),
    )
    if not spec.demos_folder().is_dir():
        raise StudioError(f"{path}: demos: {spec.demos_folder()} is not a demo folder")
    return spec


def _checked_env(env: object, path: Path) -> str:
    """The spec's env, checked to name an environment of the registry."""
    from core.envs.registry import get_spec

    if not isinstance(env, str):
        raise StudioError(f"{path}: env must name an environment (see `imitation-studio envs`)")
    try:
        get_spec(env)
    except StudioError as error:
        raise StudioError(f"{path}: env: {error}") from None
    return env


def _checked_settings(env: str, fixed: object, search: object, path: Path) -> tuple[dict, dict]:
    """fixed and search: known settings, every searched value valid with fixed, a GAIL base that evaluates."""
    from core.train.settings.config import TrainConfig, default_config

    if not isinstance(fixed, dict):
        raise StudioError(f"{path}: fixed must be an object of settings")
    if not isinstance(search, dict) or not search:
        raise StudioError(f"{path}: search must give at least one setting to sweep")
    names = {f.name for f in fields(TrainConfig)} - {"env"}
    for name in [*fixed, *search]:
        if name not in names:
            raise StudioError(f"{path}: {name!r} is not a training setting (see core/train/settings/config.py)")
    for name in FIXED_ONLY:
        if name in search:
            raise StudioError(f"{path}: search.{name}: a trial's length and evaluations are fixed (put it in fixed)")
    for name, values in search.items():
        for value in _search_values(name, values, path):  # a range: both ends
            try:
                default_config(env, **{**fixed, name: value})
            except StudioError as error:
                raise StudioError(f"{path}: search.{name}: {error}") from None
    try:
        base = default_config(env, **fixed)
    except StudioError as error:
        raise StudioError(f"{path}: fixed: {error}") from None
    if base.algo != "gail" or base.eval_every_iters == 0:
        raise StudioError(f"{path}: fixed: a sweep needs GAIL with periodic evaluations (eval_every_iters >= 1)")
    return fixed, search


def _search_values(name: str, values: Any, path: Path) -> list:
    """The values of one searched setting (a range's two ends), checked to be {kind: [values]} of a known kind."""
    kind = next(iter(values), None) if isinstance(values, dict) and len(values) == 1 else None
    if kind not in KINDS or not isinstance(values[kind], list) or not values[kind]:
        raise StudioError(f"{path}: search.{name} must be one of {{{', '.join(KINDS)}: [values]}}")
    if kind in ("uniform", "loguniform") and len(values[kind]) != 2:
        raise StudioError(f"{path}: search.{name}.{kind} needs [low, high]")
    if kind in ("uniform", "loguniform") and not all(_number(v) for v in values[kind]):
        raise StudioError(f"{path}: search.{name}.{kind} needs two numbers")
    if kind == "loguniform" and not 0 < values[kind][0] < values[kind][1]:
        raise StudioError(f"{path}: search.{name}.loguniform needs 0 < low < high")
    return values[kind]


def _check_early_stopping(stopping: object, path: Path) -> None:
    """ASHA's settings: {grace_evaluations, reduction_factor}, each optional."""
    if not isinstance(stopping, dict) or set(stopping) - {"grace_evaluations", "reduction_factor"}:
        raise StudioError(f"{path}: early_stopping is {{grace_evaluations, reduction_factor}} or null")
    grace, factor = stopping.get("grace_evaluations", 2), stopping.get("reduction_factor", 2)
    if not _positive_int(grace):
        raise StudioError(f"{path}: early_stopping.grace_evaluations must be a whole number of 1 or more")
    if not (_number(factor) and 1 < factor <= MAX_REDUCTION_FACTOR):
        raise StudioError(
            f"{path}: early_stopping.reduction_factor must be a number above 1 and at most {MAX_REDUCTION_FACTOR}"
        )


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
