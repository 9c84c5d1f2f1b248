"""``bench --ray``: the benchmark's runs as Ray tasks, side by side, on this machine or a cluster.

Each (case, seed) is ``harness.run_case`` in a fresh Ray worker (``max_calls=1``), so its memory
figures are its own, as in the one-after-another mode; it asks for one CPU, or two when its env
runs a rollout process, and a share of the GPU under CUDA. Results come back as they finish; the
report is the same. Ray is the ``cluster`` extra.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.bench.harness import CaseResult, run_case
from app.bench.suites import Case
from core.errors import StudioError
from core.train.settings.config import TrainConfig


def run_resources(config: TrainConfig, device: str, sharing: int) -> tuple[float, float]:
    """What one training run asks Ray for, (CPUs, GPUs): one CPU, or two when its env runs a
    rollout process, and under CUDA a 1/``sharing`` slice of the GPU (as many as run at once)."""
    return (2.0 if config.rollout_process else 1.0), (1.0 / max(1, sharing) if device == "cuda" else 0.0)


def start_ray(ray: Any, address: str | None, num_cpus: int | None) -> None:
    """Join the cluster at ``address``, or start Ray here with ``num_cpus`` (None: all).

    Ray's own INFO lines (and, for an instance started here, its notes about that instance) would
    print through the progress bar: the driver logs errors only then, and warnings from a cluster.
    """
    ray.init(
        address=address,
        num_cpus=None if address else num_cpus,
        include_dashboard=False,
        log_to_driver=False,
        ignore_reinit_error=True,
        logging_level=logging.WARNING if address else logging.ERROR,
    )


def run_on_ray(
    jobs: Sequence[tuple[Case, int, Path, Path]],
    device: str,
    address: str | None,
    on_result: Callable[[CaseResult], None],
    num_cpus: int | None = None,
) -> None:
    """Run every (case, seed, demos folder, run folder) as a Ray task; ``on_result`` as each ends."""
    try:
        import ray
    except ImportError:
        raise StudioError("bench --ray needs Ray: pip install 'imitation-studio[cluster]'") from None
    from core.train.settings.config import default_config

    start_ray(ray, address, num_cpus)
    try:
        task = ray.remote(max_calls=1)(run_case)
        pending = {}
        for case, seed, demos, run_dir in jobs:
            cpus, gpus = run_resources(default_config(case.env, **case.settings), device, sharing=len(jobs))
            ref = task.options(num_cpus=cpus, num_gpus=gpus).remote(case, seed, str(demos), str(run_dir), device)
            pending[ref] = (case, seed)
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            case, seed = pending.pop(done[0])
            try:
                on_result(ray.get(done[0]))
            except ray.exceptions.RayError as error:
                raise StudioError(f"bench case {case.name} (seed {seed}) failed on Ray: {error}") from None
    finally:
        ray.shutdown()
