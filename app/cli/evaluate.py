"""The ``evaluate`` sub-command: a run's policy played deterministic and sampled, beside a random policy
and the demos, and which way of acting to use."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.arg_types import positive_int, seed_int
from core.train.settings.seeds import EVAL_SEED_BASE

if TYPE_CHECKING:  # the engine is imported when the command runs: --help stays quick
    from core.train.runs.run_dir import RunDir


def add_command(commands: argparse._SubParsersAction) -> None:
    evaluate = commands.add_parser("evaluate", help="evaluate a run's policy, deterministic and stochastic")
    evaluate.add_argument("run_dir", type=Path)
    evaluate.add_argument("--episodes", type=positive_int, default=50)
    evaluate.add_argument(
        "--seed", type=seed_int, default=EVAL_SEED_BASE, help=f"first reset seed (default {EVAL_SEED_BASE})"
    )
    evaluate.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    evaluate.set_defaults(handler=run_evaluate, quick_exit=True)  # see app.cli.main.console_main


def run_evaluate(args: argparse.Namespace) -> int:
    import torch

    from core.envs.registry import get_spec
    from core.train.evaluate import evaluate_policy, normalized_return, random_policy_return
    from core.train.runs.run_dir import RunDir

    torch.set_num_threads(1)
    run = RunDir(args.run_dir)
    policy, config = run.load_policy()
    spec = get_spec(config.env)
    summary = run.demo_summary()
    demo_return = summary.return_mean if summary is not None else float("nan")
    random_return = random_policy_return(spec)
    report: dict[str, object] = {
        "env": config.env,
        "episodes": args.episodes,
        "seed": args.seed,
        "random_return": random_return,
        "demo_return": demo_return,
    }
    for mode in ("deterministic", "stochastic"):
        result = evaluate_policy(policy, spec, args.episodes, seed=args.seed, deterministic=mode == "deterministic")
        report[mode] = {
            "return_mean": result.mean_return,
            "return_std": result.std_return,
            "length_mean": result.mean_length,
            "length_std": float(result.lengths.std()),
            "normalized_return": normalized_return(result.mean_return, random_return, demo_return),
        }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"{config.env}: {args.episodes} episodes from seed {args.seed}; random policy {random_return:.1f}, "
        f"demos {demo_return:.1f}"
    )
    print(f"{'mode':<14} {'return':>16} {'length':>14} {'normalised':>11}")
    for mode in ("deterministic", "stochastic"):
        r = report[mode]
        print(
            f"{mode:<14} {r['return_mean']:>8.1f} ± {r['return_std']:<5.1f} {r['length_mean']:>6.0f} ± "
            f"{r['length_std']:<5.0f} {r['normalized_return']:>11.3f}"
        )
    print(sampling_verdict(report["deterministic"], report["stochastic"], args.episodes))
    kept = kept_policy_line(run, config.progress_unit)
    if kept:
        print(kept)
    return 0


def kept_policy_line(run: RunDir, unit: str) -> str | None:
    """Which of the run's policies this is, when the run settled on an earlier one than its last."""
    from core.train.best_policy import kept_policy_words

    final = run.finished_eval()
    return kept_policy_words(final, unit) if final is not None else None


def sampling_verdict(det: dict, sampled: dict, episodes: int) -> str:
    """Which way of acting to use, from the two evaluations' return means and spreads."""
    from core.train.runs.shown_policy import sampling_is_better

    if sampling_is_better(
        (det["return_mean"], det["return_std"]), (sampled["return_mean"], sampled["return_std"]), episodes
    ):
        return "the sampled (stochastic) policy scores clearly higher on this run: choose it in the Watch view"
    if sampled["return_mean"] > det["return_mean"]:
        return (
            f"sampling scored higher, but not clearly over {episodes} episodes (more --episodes tell): "
            "the deterministic policy (the app's default) stays"
        )
    return "the deterministic policy (the app's default) is at least as good as sampling here"
