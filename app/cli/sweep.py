"""``imitation-studio sweep SPEC.json``: a search over training settings and seeds on Ray Tune."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from app.cli.arg_types import positive_int
from core.train.settings.config import DEVICES


def add_command(commands: argparse._SubParsersAction) -> None:
    sweep = commands.add_parser("sweep", help="sweep training settings and seeds on Ray Tune (local or a cluster)")
    sweep.add_argument("spec", type=Path, metavar="SPEC.json", help="see resources/sweeps/cartpole-tiny.json")
    sweep.add_argument("--address", help="join this Ray cluster (e.g. ray://head:10001); default: Ray on this machine")
    sweep.add_argument("--max-concurrent", type=positive_int, help="trials at once (default: as the CPUs allow)")
    sweep.add_argument("--cpus", type=positive_int, help="CPUs Ray may use on this machine (default: all)")
    sweep.add_argument("--out", type=Path, help="output folder (default sweeps/NAME-TIME); opens as a workspace")
    sweep.add_argument("--device", choices=DEVICES, default="auto")
    sweep.set_defaults(handler=run_sweep_command)


def run_sweep_command(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from app.bench.sweep import run_sweep, trial_count
    from app.bench.sweep_report import write_results
    from app.bench.sweep_spec import METRIC, load_spec
    from core.train.settings.device import resolve_device

    spec = load_spec(args.spec)
    device = resolve_device(args.device).type
    out = args.out or Path("sweeps") / f"{spec.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    where = args.address or "Ray on this machine"
    print(f"sweep {spec.name}: {trial_count(spec)} trials of {spec.env} on {where} ({device}); writing {out}")
    with tqdm(total=trial_count(spec), unit="trial", dynamic_ncols=True, file=sys.stderr) as bar:
        result = run_sweep(spec, out, args.address, args.max_concurrent, device, args.cpus, bar.update)
    table, plot = write_results(result, Path(out))
    for row in sorted(result.rows, key=lambda r: -r[METRIC] if r[METRIC] == r[METRIC] else 1e9):
        settings = ", ".join(
            f"{name}={row[name]:.4g}" if isinstance(row[name], float) else f"{name}={row[name]}" for name in spec.search
        )
        print(f"{row[METRIC]:7.3f}  {row['status']:<14} {settings}  {row['run_dir']}")
    print(
        f"{len(result.rows)} trials in {result.wall_time_s:.0f} s ({result.trials_per_hour:.0f} trials/hour, "
        f"{result.max_concurrent} at once); {table}, {plot}"
    )
    return 0
