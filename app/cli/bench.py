"""``imitation-studio bench``: run a suite of training cases and write results.json, report.md and plots."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.arg_types import positive_int, seed_int
from app.cli.set_args import parse_set
from core.errors import StudioError
from core.train.settings.config import DEVICES

# The harness imports the engine (torch): only inside the command, so that `--help` is quick.
if TYPE_CHECKING:
    from app.bench.harness import SuiteResult


def add_command(commands: argparse._SubParsersAction) -> None:
    bench = commands.add_parser("bench", help="benchmark learning quality and speed; writes a report")
    bench.add_argument(
        "--suite",
        default="quick",
        help="quick (minutes), full (the README's table), human (its human-like demos part) or paper "
        "(GAIL vs BC from 1, 4, 10 trajectories), coach (corrections vs more demos; coach-smoke in seconds)",
    )
    bench.add_argument(
        "--seeds",
        type=positive_int,
        default=None,
        help="seeds per case (default: 1 for quick, 3 for full, human, paper)",
    )
    bench.add_argument(
        "--first-seed",
        type=seed_int,
        default=0,
        help="the first of the seeds (default 0): --first-seed 3 --seeds 3 runs seeds 3, 4, 5, to add seeds "
        "to an earlier run's",
    )
    bench.add_argument("--out", type=Path, default=None, help="output folder (default bench-results/SUITE-TIME)")
    bench.add_argument("--device", choices=DEVICES, default="auto")
    bench.add_argument("--only", default="", help="comma-separated case names to run (default: all)")
    bench.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="a TrainConfig setting for every case (repeatable; recorded in results.json), to compare variants",
    )
    bench.add_argument(
        "--report-only", action="store_true", help="rebuild report.md and the plots from --out's results.json"
    )
    bench.add_argument("--ray", action="store_true", help="run the cases as Ray tasks, side by side (cluster extra)")
    bench.add_argument("--address", help="with --ray: join this Ray cluster (default: Ray on this machine)")
    bench.set_defaults(handler=run_bench)


def _machine(device: str) -> dict:
    import torch

    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "device": device,
    }
    if device == "cuda":
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def run_bench(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from app.bench.coaching import PLANS
    from app.bench.demo_recipes import demos_folder
    from app.bench.harness import SuiteResult, bare_env_steps_per_s, run_case_isolated
    from app.bench.suites import SUITES
    from core.fileio import atomic_write_text
    from core.train.settings.config import default_config
    from core.train.settings.device import resolve_device

    if args.report_only:
        if args.out is None:
            raise StudioError("--report-only needs --out DIR (a folder with results.json)")
        from app.bench.report import write_report
        from app.bench.results_file import read_results

        result = read_results(args.out / "results.json")

        report = write_report(result, args.out)
        print(_table(result))
        print(f"\nreport: {report}")
        return 0
    if args.address and not args.ray:
        raise StudioError("--address joins a Ray cluster: add --ray")
    if args.suite in PLANS:
        return _run_coach(args)
    if args.suite not in SUITES:
        raise StudioError(f"--suite {args.suite!r}: choose from {', '.join(SUITES)}")
    suite = SUITES[args.suite]
    count = args.seeds if args.seeds is not None else suite.seeds
    seeds = list(range(args.first_seed, args.first_seed + count))
    cases = suite.cases
    if args.only:
        wanted = {name.strip() for name in args.only.split(",") if name.strip()}
        unknown = sorted(wanted - {case.name for case in cases})
        if unknown:
            raise StudioError(
                f"--only: unknown case(s) {', '.join(unknown)}; cases: {', '.join(c.name for c in cases)}"
            )
        cases = tuple(case for case in cases if case.name in wanted)
    overrides = parse_set(args.set)
    if overrides:
        cases = tuple(replace(case, settings={**case.settings, **overrides}) for case in cases)
        for case in cases:  # a typo is an error now, not an hour into the run
            default_config(case.env, **case.settings)
    device = resolve_device(args.device).type
    out = args.out or Path("bench-results") / f"{args.suite}-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    print(f"bench suite {args.suite}: {len(cases)} case(s) x {len(seeds)} seed(s) on {device}; writing {out}")
    bare = bare_env_steps_per_s("LunarLander-v3", suite.bare_env_steps)
    result = SuiteResult(args.suite, device, seeds, _machine(device), bare, overrides=overrides)
    jobs = [(case, seed) for case in cases for seed in seeds]
    if args.ray:
        _bench_on_ray(jobs, out, device, args.address, result)
        return _finish(result, out)
    with tqdm(total=len(jobs), unit="run", dynamic_ncols=True, file=sys.stderr) as bar:
        for case, seed in jobs:
            bar.set_description(f"{case.name} seed {seed}")
            folder = demos_folder(case.demos, case.env, out)
            run_dir = out / "runs" / f"{case.name}-seed{seed}"
            if run_dir.exists():
                shutil.rmtree(run_dir)
            outcome = run_case_isolated(case, seed, folder, run_dir, device)
            result.cases.append(outcome)
            atomic_write_text(out / "results.json", json.dumps(result.to_dict(), indent=2))
            bar.set_postfix(score=f"{outcome.final_normalized:.2f}", refresh=False)
            bar.update()
    return _finish(result, out)


def _finish(result: SuiteResult, out: Path) -> int:
    from app.bench.report import write_report

    report = write_report(result, out)
    print(_table(result))
    print(f"\nreport: {report}")
    return 0


def _bench_on_ray(jobs: list, out: Path, device: str, address: str | None, result: SuiteResult) -> None:
    """Every run as a Ray task; results.json grows as they finish, in the suite's order at the end."""
    from tqdm import tqdm

    from app.bench.demo_recipes import demos_folder
    from app.bench.ray_bench import run_on_ray
    from core.fileio import atomic_write_text

    order = {(case.name, seed): index for index, (case, seed) in enumerate(jobs)}
    placed = []
    for case, seed in jobs:
        run_dir = out / "runs" / f"{case.name}-seed{seed}"
        shutil.rmtree(run_dir, ignore_errors=True)
        placed.append((case, seed, demos_folder(case.demos, case.env, out), run_dir))  # demos recorded here, once
    with tqdm(total=len(jobs), unit="run", dynamic_ncols=True, file=sys.stderr) as bar:

        def collect(outcome) -> None:
            result.cases.append(outcome)
            result.cases.sort(key=lambda c: order[(c.name, c.seed)])
            atomic_write_text(out / "results.json", json.dumps(result.to_dict(), indent=2))
            bar.update()

        run_on_ray(placed, device, address, collect)


def _run_coach(args: argparse.Namespace) -> int:
    """``--suite coach``: corrections against more demos, for the same human-controlled steps."""
    from app.bench.coach_report import write_coach_report
    from app.bench.coaching import BASE_RECIPE, ENV, PLANS, as_records, run_seed
    from app.bench.demo_recipes import demos_folder
    from core.fileio import atomic_write_text
    from core.train.settings.device import resolve_device

    if args.only or args.set:
        raise StudioError(f"--suite {args.suite} runs its two methods as they are: drop --only and --set")
    plan = PLANS[args.suite]
    device = resolve_device(args.device).type
    out = args.out or Path("bench-results") / f"{args.suite}-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    seeds = list(range(args.seeds if args.seeds is not None else 3))
    base = demos_folder(BASE_RECIPE, ENV, out)
    print(f"bench suite {args.suite}: corrections vs more demos, {len(seeds)} seed(s) on {device}; writing {out}")
    records: list[dict] = []
    for seed in seeds:
        records += as_records(run_seed(plan, seed, base, out, device))
        atomic_write_text(out / "coach.json", json.dumps({"plan": plan.__dict__, "curves": records}, indent=2))
        print(f"seed {seed} done", file=sys.stderr)
    report = write_coach_report(records, out)
    print(report.read_text())
    return 0


def _table(result: SuiteResult) -> str:
    lines = [
        f"{'case':<32} {'to 0.95 s':>9} {'shown':>6} {'last':>6} {'normalised':>10} {'return':>8} {'length':>11} "
        f"{'to 0.9':>9} {'wall s':>7} {'steps/s':>8}",
    ]
    for row in result.summary():
        if "error" in row:
            lines.append(f"{row['case']:<32} error: {row['error']}")
            continue
        reach = f"{row['steps_to_0_9']:,}" if row["steps_to_0_9"] is not None else "-"
        time_to = "never" if row["time_to_0_95_s"] is None else f"{row['time_to_0_95_s']:.0f}"
        lines.append(
            f"{row['case']:<32} {time_to:>9} {row['shown_median']:>6.3f} {row['last_median']:>6.3f} "
            f"{row['normalized_median']:>10.3f} {row['return_median']:>8.1f} "
            f"{row['length_median']:>5.0f}/{row['demo_length']:<5.0f} {reach:>9} {row['wall_time_s']:>7.0f} "
            f"{row['steps_per_s']:>8.0f}"
        )
    gail_rate = result.gail_loop_steps_per_s()
    if gail_rate is not None:
        lines.append(
            f"\nLunarLander: bare env {result.bare_env_steps_per_s:,.0f} steps/s; GAIL loop (PPO-clip) "
            f"{gail_rate:,.0f} steps/s; ratio {gail_rate / result.bare_env_steps_per_s:.2f}"
        )
    return "\n".join(lines)
