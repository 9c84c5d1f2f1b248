"""Sweeps on Ray Tune: every trial an ordinary run folder (``OUT/runs/TRIAL``, which the window
opens as a workspace), reporting the normalised evaluation return at each periodic evaluation, so
that ASHA stops the weak trials early. Ray runs on this machine by default (sized to its CPUs) or
joins a cluster (``address``); the same code runs on both. Ray is the ``cluster`` extra.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.bench.sweep_spec import METRIC, SweepSpec
from core.errors import StudioError
from core.train.runs.run_dir import RunDir


@dataclass
class SweepResult:
    spec: SweepSpec
    rows: list[dict[str, Any]] = field(default_factory=list)  # one per trial, results.csv's rows
    wall_time_s: float = 0.0
    max_concurrent: int = 0

    @property
    def trials_per_hour(self) -> float:
        return len(self.rows) * 3600.0 / self.wall_time_s if self.wall_time_s > 0 else 0.0


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise StudioError("sweeps run on Ray: pip install 'imitation-studio[cluster]'") from None
    return ray


def trial_resources(spec: SweepSpec, device: str, max_concurrent: int) -> dict[str, float]:
    """A trial's share, as any training run on Ray asks for (``ray_bench.run_resources``)."""
    from app.bench.ray_bench import run_resources
    from core.train.settings.config import default_config

    cpus, gpus = run_resources(default_config(spec.env, **spec.fixed), device, sharing=max_concurrent)
    return {"cpu": cpus, "gpu": gpus} if gpus else {"cpu": cpus}


def _param_space(spec: SweepSpec) -> dict[str, Any]:
    from ray import tune

    space = {}
    for name, values in spec.search.items():
        kind, given = next(iter(values.items()))
        if kind == "grid":
            space[name] = tune.grid_search(given)
        elif kind == "choice":
            space[name] = tune.choice(given)
        elif kind == "uniform":
            space[name] = tune.uniform(*given)
        else:
            space[name] = tune.loguniform(*given)
    return space


def trial_count(spec: SweepSpec) -> int:
    grid = math.prod(len(values["grid"]) for values in spec.search.values() if "grid" in values)
    return grid * spec.samples


def run_trial(settings: dict[str, Any], spec: SweepSpec, runs_dir: str, device: str) -> None:
    """One trial, in a Ray worker: train, reporting the metric at every periodic evaluation."""
    from ray import tune

    from core.data.demo_selection import training_demos
    from core.data.demo_set import load_demo_set
    from core.envs.registry import get_spec
    from core.train.evaluate import normalized_return, random_policy_return
    from core.train.events import Failed, IterationStats
    from core.train.settings.config import default_config
    from core.train.trainer import Trainer

    # A trial trains to its total: ASHA compares trials at equal budgets, and the stopping rule would
    # end them at different ones (a spec may still set stop_when_done).
    config = default_config(spec.env, **{"stop_when_done": False, **spec.fixed, **settings, "device": device})
    demos = training_demos(load_demo_set(spec.demos_folder(), env_key=spec.env))
    random_return, reference = random_policy_return(get_spec(spec.env)), float(demos.returns.mean())
    run_dir = Path(runs_dir) / tune.get_context().get_trial_name()
    evaluations = 0
    trainer = Trainer(config, demos, run_dir=run_dir)
    for event in trainer.run():
        if isinstance(event, Failed):
            raise RuntimeError(event.message)
        if isinstance(event, IterationStats) and "eval_return" in event.scalars:
            evaluations += 1
            score = normalized_return(event.scalars["eval_return"], random_return, reference)
            trainer.save()  # ASHA may stop the trial at this report: it stays a resumable run folder
            tune.report(
                {METRIC: score, "evaluation": evaluations, "env_steps": event.env_steps, "run_dir": str(run_dir)}
            )


def run_sweep(
    spec: SweepSpec,
    out: Path,
    address: str | None = None,
    max_concurrent: int | None = None,
    device: str = "cpu",
    num_cpus: int | None = None,
    on_trial_done: Any = None,
) -> SweepResult:
    """Run every trial of ``spec`` on Ray; ``on_trial_done()`` is called as each one ends."""
    ray = _ray()
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler

    from app.bench.ray_bench import start_ray

    out = Path(out).resolve()
    (out / "runs").mkdir(parents=True, exist_ok=True)
    (out / "demos").mkdir(exist_ok=True)  # OUT opens in the window as a workspace
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    started = time.perf_counter()
    start_ray(ray, address, num_cpus or os.cpu_count())
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        resources = trial_resources(spec, device, max_concurrent or cpus)
        concurrent = max_concurrent or max(1, int(cpus // resources["cpu"]))
        trainable = tune.with_resources(
            tune.with_parameters(run_trial, spec=spec, runs_dir=str(out / "runs"), device=device), resources
        )
        scheduler = None
        if spec.grace_evaluations is not None:
            scheduler = ASHAScheduler(
                time_attr="evaluation",
                # One past the last evaluation: a full trial ends on its own (final checkpoint and
                # evaluation written), never stopped at its last report.
                max_t=max(spec.evaluations, spec.grace_evaluations) + 1,
                grace_period=spec.grace_evaluations,
                reduction_factor=spec.reduction_factor,
            )
        from app.bench.sweep_progress import TrialProgress

        callbacks = [TrialProgress(on_trial_done)] if on_trial_done is not None else []
        tuner = tune.Tuner(
            trainable,
            param_space=_param_space(spec),
            tune_config=tune.TuneConfig(
                metric=METRIC,
                mode="max",
                scheduler=scheduler,
                num_samples=spec.samples,
                max_concurrent_trials=concurrent,
            ),
            run_config=tune.RunConfig(name=spec.name, storage_path=str(out / "ray"), verbose=0, callbacks=callbacks),
        )
        grid = tuner.fit()
        result = SweepResult(spec, max_concurrent=concurrent)
        for trial in grid:
            result.rows.append(_row(spec, trial))
    finally:
        ray.shutdown()
    result.wall_time_s = time.perf_counter() - started
    return result


def _row(spec: SweepSpec, trial: Any) -> dict[str, Any]:
    metrics = trial.metrics or {}
    history = trial.metrics_dataframe
    best = float(history[METRIC].max()) if history is not None and METRIC in history else float("nan")
    evaluations = int(metrics.get("evaluation", 0))
    # Finished: the trial ran to its end (its final evaluation is written); ASHA may stop one even
    # at its last periodic evaluation.
    run_dir = str(metrics.get("run_dir", ""))
    completed = bool(run_dir) and RunDir(Path(run_dir)).finished()
    status = "failed" if trial.error else ("finished" if completed else "stopped early")
    row = {
        # A trial that failed before its first report has no run folder recorded: Tune's own name then.
        "trial": Path(run_dir).name or Path(str(trial.path)).name,
        "status": status,
        "evaluations": evaluations,
        "env_steps": int(metrics.get("env_steps", 0)),
        METRIC: float(metrics.get(METRIC, float("nan"))),
        f"best_{METRIC}": best,
    }
    row |= {name: trial.config.get(name) for name in spec.search}
    row["run_dir"] = run_dir
    row["error"] = str(trial.error).splitlines()[0] if trial.error else ""
    return row
