"""The benchmark: how well and how fast the imitation learns, case by case, with figures to trust.

Each case trains from a demo set with fixed seeds in a fresh child process (so that its peak
memory is its own), evaluates the policy deterministically on held-out seeds at fixed step
counts (the learning curve) and at the end, and reports the return normalised so that a
uniformly random policy is 0 and the demos' mean is 1. A speed case measures the bare env.
"""

from __future__ import annotations

import concurrent.futures
import copy
import math
import multiprocessing as mp
import resource
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import StudioError

if TYPE_CHECKING:
    from app.bench.suites import Case
    from core.envs.registry import EnvSpec
    from core.rl.nets import ActorCritic


@dataclass
class CaseResult:
    name: str
    env: str
    seed: int
    algo: str
    generator: str
    env_steps: int
    wall_time_s: float
    train_time_s: float  # training only: without the curve and final evaluations
    steps_per_s: float
    curve_steps: list[int]
    curve_returns: list[float]
    curve_normalized: list[float]
    final_return: float
    final_return_std: float
    final_length: float
    final_normalized: float
    demo_return: float
    demo_length: float
    random_return: float
    steps_to_0_9: int | None
    peak_rss_mb: float
    rss_mb_at_quarter: float
    rss_mb_at_end: float
    error: str = ""
    # Added later: results.json files written before them read back with these defaults.
    demos: str = "samples"  # the case's demo recipe
    reference_return: float | None = None  # what normalised 1 means; None: the demos' mean
    final_normalized_stochastic: float | None = None  # the same policy sampling its actions
    # What the app shows: sampled when the run's own final evaluation (10 episodes) says sampling
    # plays clearly better (core.train.runs.shown_policy), else deterministic.
    shown_sampled: bool | None = None
    # What a person waits for: the whole case in its own process, start to exit, less the bench's
    # own evaluations (its curve and its 50 final episodes, which `train` does not play). None:
    # measured elsewhere (on Ray).
    command_time_s: float | None = None
    bench_eval_time_s: float = 0.0
    done_early: bool | None = None  # the stopping rule ended the run before its total
    # When the run settled on an earlier policy (core.train.best_policy): where it is from, and the
    # last policy's score as it would have been shown (deterministic unless sampled is clearly better).
    kept_policy_at: int | None = None
    last_normalized_shown: float | None = None

    @property
    def final_normalized_shown(self) -> float:
        if self.shown_sampled and self.final_normalized_stochastic is not None:
            return self.final_normalized_stochastic
        return self.final_normalized

    @property
    def last_policy_normalized(self) -> float:
        """The run's last policy, as shown: the same as the kept one unless it settled on an earlier one."""
        return self.final_normalized_shown if self.last_normalized_shown is None else self.last_normalized_shown

    @property
    def time_to_0_95_s(self) -> float | None:
        """Seconds of the whole command until it exits with a shown policy at 0.95 of the demos; None: it did not."""
        if self.command_time_s is None or self.final_normalized_shown < 0.95:
            return None
        return self.command_time_s


def bare_env_steps_per_s(env: str = "LunarLander-v3", steps: int = 100_000, seed: int = 0) -> float:
    """One env, uniformly random actions, no rendering: the env's own speed."""
    from core.envs.registry import get_spec

    spec = get_spec(env)
    environment = spec.make()
    rng = np.random.default_rng(seed)
    environment.reset(seed=seed)
    environment.action_space.seed(seed)
    actions = rng.integers(spec.n_actions, size=steps) if spec.is_discrete else None
    started = time.perf_counter()
    for index in range(steps):
        action = int(actions[index]) if actions is not None else environment.action_space.sample()
        _, _, terminated, truncated, _ = environment.step(action)
        if terminated or truncated:
            environment.reset()
    elapsed = time.perf_counter() - started
    environment.close()
    return steps / elapsed


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def _current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return _rss_mb()


def expert_return(spec: EnvSpec, episodes: int, seed: int) -> float:
    """Mean return of the env's scripted expert on ``episodes`` seeded episodes."""
    from core.envs.experts import CONTROLLERS
    from core.train.evaluate import run_episodes

    controller = CONTROLLERS[spec.key]
    return run_episodes(spec, lambda obs: [controller(o) for o in obs], episodes, seed).mean_return


def run_case(case: Case, seed: int, demos_folder: str, run_dir: str, device: str) -> CaseResult:
    """Train and evaluate one case (in whichever process calls it)."""
    import torch

    from core.data.demo_set import load_demo_set
    from core.envs.registry import get_spec
    from core.train.evaluate import evaluate_policy, normalized_return, random_policy_return
    from core.train.events import Failed, Finished, IterationStats
    from core.train.runs.shown_policy import shown_policy
    from core.train.settings.config import default_config
    from core.train.settings.seeds import BENCH_CURVE_SEED_BASE, EVAL_SEED_BASE
    from core.train.trainer import Trainer

    torch.set_num_threads(1)
    # The run's own periodic evaluations stay on: the stopping rule, what a user's run does, judges them.
    config = default_config(case.env, seed=seed, device=device, **case.settings)
    demos = load_demo_set(Path(demos_folder), env_key=case.env)
    spec = get_spec(case.env)
    trainer = Trainer(config, demos, run_dir=Path(run_dir))
    random_return = random_policy_return(spec)
    demo_return, demo_length = float(demos.returns.mean()), float(demos.lengths.mean())
    reference = expert_return(spec, case.final_episodes, EVAL_SEED_BASE) if case.scale_to == "expert" else demo_return
    bc = config.algo == "bc"
    total = config.bc_epochs if bc else config.total_steps
    marks = sorted({max(1, round(total * (i + 1) / case.curve_points)) for i in range(case.curve_points)})
    curve_steps, curve_returns = [], []
    rss_samples: list[tuple[float, float]] = []
    started = time.perf_counter()
    eval_time = 0.0
    error = ""
    next_mark = 0
    shown_sampled = None
    finished: Finished | None = None
    last_policy = copy.deepcopy(trainer.rollout_policy)  # the run's last policy, should it settle on another
    for event in trainer.run():
        if isinstance(event, Failed):
            error = event.message
            break
        if isinstance(event, Finished):
            finished = event
            if event.final_eval is not None:  # the rule the Watch view applies to final_eval.json
                shown_sampled = shown_policy(event.final_eval).sampled
        if not isinstance(event, IterationStats):
            continue
        last_policy.load_state_dict(trainer.rollout_policy.state_dict())
        progress = event.iteration if bc else event.env_steps
        rss_samples.append((progress / total, _current_rss_mb()))
        if next_mark < len(marks) and progress >= marks[next_mark]:
            while next_mark < len(marks) and progress >= marks[next_mark]:
                next_mark += 1
            eval_started = time.perf_counter()
            policy = trainer.rollout_policy
            result = evaluate_policy(policy, spec, case.curve_episodes, seed=BENCH_CURVE_SEED_BASE + progress)
            eval_time += time.perf_counter() - eval_started
            curve_steps.append(int(progress))
            curve_returns.append(result.mean_return)
    wall = time.perf_counter() - started
    train_time = max(wall - eval_time, 1e-9)  # without the curve's evaluations (the run's own are in)
    final_started = time.perf_counter()
    final = evaluate_policy(trainer.rollout_policy, spec, case.final_episodes, seed=EVAL_SEED_BASE)
    sampled = evaluate_policy(
        trainer.rollout_policy, spec, case.final_episodes, seed=EVAL_SEED_BASE, deterministic=False
    )
    kept_at = finished.final_eval.earlier_policy_at if finished and finished.final_eval else None
    last_shown = None
    if kept_at is not None:
        last_shown = normalized_return(shown_return(last_policy, spec, case.final_episodes), random_return, reference)
    eval_time += time.perf_counter() - final_started
    curve_normalized = [normalized_return(r, random_return, reference) for r in curve_returns]
    reached = [s for s, n in zip(curve_steps, curve_normalized, strict=True) if n >= 0.9]
    quarter = [rss for fraction, rss in rss_samples if fraction <= 0.25]
    return CaseResult(
        name=case.name,
        env=case.env,
        seed=seed,
        algo=config.algo,
        generator=config.generator,
        env_steps=trainer.env_steps,
        wall_time_s=wall,
        train_time_s=train_time,
        steps_per_s=trainer.env_steps / train_time if not bc else 0.0,
        curve_steps=curve_steps,
        curve_returns=curve_returns,
        curve_normalized=curve_normalized,
        final_return=final.mean_return,
        final_return_std=final.std_return,
        final_length=final.mean_length,
        final_normalized=normalized_return(final.mean_return, random_return, reference),
        demo_return=demo_return,
        demo_length=demo_length,
        random_return=random_return,
        steps_to_0_9=reached[0] if reached else None,
        peak_rss_mb=_rss_mb(),
        rss_mb_at_quarter=quarter[-1] if quarter else (rss_samples[0][1] if rss_samples else 0.0),
        rss_mb_at_end=rss_samples[-1][1] if rss_samples else 0.0,
        error=error,
        demos=case.demos,
        reference_return=reference,
        final_normalized_stochastic=normalized_return(sampled.mean_return, random_return, reference),
        shown_sampled=shown_sampled,
        bench_eval_time_s=eval_time,
        done_early=finished.done_reason is not None if finished else None,
        kept_policy_at=kept_at,
        last_normalized_shown=last_shown,
    )


def shown_return(policy: ActorCritic, spec: EnvSpec, episodes: int) -> float:
    """The policy's mean return as the app would show it (core.train.runs.shown_policy) over
    ``episodes`` episodes: sampled when that plays clearly better."""
    from core.train.evaluate import final_evaluation
    from core.train.runs.shown_policy import shown_policy

    return shown_policy(final_evaluation(policy, spec, episodes)).return_mean


def run_case_isolated(case: Case, seed: int, demos_folder: Path, run_dir: Path, device: str) -> CaseResult:
    """``run_case`` in a fresh spawned process: its peak memory and torch state are its own."""
    context = mp.get_context("spawn")
    started = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(run_case, case, seed, str(demos_folder), str(run_dir), device)
        try:
            result = future.result()
        except concurrent.futures.process.BrokenProcessPool as error:
            raise StudioError(f"bench case {case.name} (seed {seed}): its process died ({error})") from None
    # Start to exit, as a person waits for `train`: the spawn, imports, training, the run's own final
    # evaluation and the interpreter's exit, without the bench's extra evaluations.
    result.command_time_s = time.perf_counter() - started - result.bench_eval_time_s
    return result


@dataclass
class SuiteResult:
    suite: str
    device: str
    seeds: list[int]
    machine: dict[str, Any]
    bare_env_steps_per_s: float
    cases: list[CaseResult] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)  # bench --set: settings on top of every case's

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # read back, typed, by app.bench.results_file

    def gail_loop_cases(self) -> list[CaseResult]:
        """The runs that measure the GAIL loop's speed: LunarLander GAIL + PPO-clip."""
        return [c for c in self.cases if c.name == "lunar-gail-ppo-clip" and not c.error]

    def gail_loop_steps_per_s(self) -> float | None:
        runs = self.gail_loop_cases()
        return float(np.mean([c.steps_per_s for c in runs])) if runs else None

    def summary(self) -> list[dict[str, Any]]:
        """One row per case: medians over seeds."""
        rows = []
        for name in dict.fromkeys(c.name for c in self.cases):
            runs = [c for c in self.cases if c.name == name and not c.error]
            if not runs:
                rows.append({"case": name, "error": next(c.error for c in self.cases if c.name == name)})
                continue
            # Median over seeds, a seed that never reached 0.9 counting as "never" (the upper
            # median for an even count): reported when most seeds got there.
            reached = sorted(math.inf if c.steps_to_0_9 is None else c.steps_to_0_9 for c in runs)
            steps_to_0_9 = reached[len(reached) // 2]
            rows.append(
                {
                    "case": name,
                    "seeds": len(runs),
                    "normalized_median": float(np.median([c.final_normalized for c in runs])),
                    "normalized_all": [round(c.final_normalized, 3) for c in runs],
                    "stochastic_median": _median_or_none([c.final_normalized_stochastic for c in runs]),
                    "stochastic_all": [
                        None if c.final_normalized_stochastic is None else round(c.final_normalized_stochastic, 3)
                        for c in runs
                    ],
                    "shown_median": float(np.median([c.final_normalized_shown for c in runs])),
                    "shown_all": [round(c.final_normalized_shown, 3) for c in runs],
                    "return_median": float(np.median([c.final_return for c in runs])),
                    "length_median": float(np.median([c.final_length for c in runs])),
                    "demo_length": runs[0].demo_length,
                    "steps_to_0_9": None if steps_to_0_9 == math.inf else int(steps_to_0_9),
                    "wall_time_s": float(np.median([c.wall_time_s for c in runs])),
                    # A seed that never got there counts as never (the upper median), as above.
                    "time_to_0_95_s": _upper_median([c.time_to_0_95_s for c in runs]),
                    "time_to_0_95_all": [
                        None if c.time_to_0_95_s is None else round(c.time_to_0_95_s, 1) for c in runs
                    ],
                    "command_time_s": _median_or_none([c.command_time_s for c in runs]),
                    "last_median": float(np.median([c.last_policy_normalized for c in runs])),
                    "last_all": [round(c.last_policy_normalized, 3) for c in runs],
                    "done_early": sum(bool(c.done_early) for c in runs),
                    "steps_per_s": float(np.median([c.steps_per_s for c in runs])),
                    "peak_rss_mb": float(max(c.peak_rss_mb for c in runs)),
                }
            )
        return rows


def _upper_median(values: list[float | None]) -> float | None:
    """The upper median, None (never) counting above every number; None when that is never."""
    ordered = sorted(math.inf if value is None else value for value in values)
    middle = ordered[len(ordered) // 2] if ordered else math.inf
    return None if middle == math.inf else float(middle)


def _median_or_none(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return float(np.median(known)) if known else None
