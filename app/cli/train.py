"""The ``train`` and ``evaluate`` sub-commands: the engine, headless, with a progress bar."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli import exit_codes
from app.cli.arg_types import positive_int, seed_int
from app.cli.set_args import parse_set
from core.errors import DemoError, StudioError
from core.train.settings.config import ALGOS, DEVICES, GENERATORS, REWARDS, TrainConfig
from core.train.settings.seeds import EVAL_SEED_BASE

# The engine (torch, gymnasium) is imported inside the commands: `--help` must not wait for it.
if TYPE_CHECKING:
    from core.train.events import TrainControl
    from core.train.trainer import Trainer


def add_command(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser("train", help="train an imitation policy from a demo folder")
    train.add_argument("--env", help="environment key (default: the demos' env, or the config file's)")
    train.add_argument("--demos", type=Path, help="demo folder (default: the bundled sample demos of --env)")
    train.add_argument("--algo", choices=ALGOS, help="gail (default) or bc: behaviour cloning alone")
    train.add_argument("--generator", choices=GENERATORS, help="GAIL's policy update (default ppo-clip)")
    train.add_argument("--reward", choices=REWARDS, help="the imitation reward from D (default log-d, the seed's ln D)")
    train.add_argument(
        "--steps",
        type=int,
        dest="total_steps",
        help="environment steps (default: per env), rounded up to whole batches of num_envs x num_steps",
    )
    train.add_argument("--seed", type=int, help="seed of the networks, the envs and the minibatches (default 0)")
    train.add_argument("--device", choices=DEVICES)
    train.add_argument(
        "--config", type=Path, help="JSON file of settings (see core/train/settings/config.py for every field)"
    )
    train.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override any setting, e.g. --set bc_coef=0.5 (repeatable; the value is JSON)",
    )
    train.add_argument("--out", type=Path, help="run folder to create")
    train.add_argument(
        "--tensorboard",
        action="store_true",
        default=None,
        help="also write the metrics as TensorBoard event files in RUNDIR/tensorboard (the share extra)",
    )
    train.add_argument("--resume", type=Path, metavar="RUNDIR", help="continue a run folder from its last checkpoint")
    train.add_argument(
        "--start-from",
        type=Path,
        metavar="RUNDIR",
        help="a new run (--out) from another run's policy and D, with its settings and demo folder unless given: "
        "coach mode's 'train on corrections'",
    )
    train.set_defaults(handler=run_train)

    evaluate = commands.add_parser("evaluate", help="evaluate a run's policy, deterministic and stochastic")
    evaluate.add_argument("run_dir", type=Path)
    evaluate.add_argument("--episodes", type=positive_int, default=50)
    evaluate.add_argument(
        "--seed", type=seed_int, default=EVAL_SEED_BASE, help=f"first reset seed (default {EVAL_SEED_BASE})"
    )
    evaluate.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    evaluate.set_defaults(handler=run_evaluate)


# What a resumed run keeps from its own config (only --steps, --set bc_epochs=N and --demos apply).
_RESUME_FIXED = {
    "--env": "env",
    "--algo": "algo",
    "--generator": "generator",
    "--reward": "reward",
    "--seed": "seed",
    "--device": "device",
    "--config": "config",
    "--out": "out",
    "--start-from": "start_from",
}


def _overrides(args: argparse.Namespace) -> dict:
    names = ("algo", "generator", "reward", "total_steps", "seed", "device", "tensorboard")
    values = {name: getattr(args, name) for name in names}
    values = {name: value for name, value in values.items() if value is not None}
    settings = parse_set(args.set)
    if "env" in settings:
        raise StudioError("--set env: choose the environment with --env (or --demos)")
    return values | settings


def run_train(args: argparse.Namespace) -> int:
    from core.data.demo_selection import SELECTION_FILE, training_demos
    from core.data.demo_set import load_demo_set
    from core.data.demo_warnings import bad_endings_warning
    from core.envs.registry import get_spec
    from core.paths import sample_demos_dir
    from core.train.runs.run_dir import NothingToResume, RunDir
    from core.train.runs.run_lock import LOCK_FILE, RunLockedError
    from core.train.settings.config import RESUMABLE_FIELDS, config_from_json, default_config
    from core.train.trainer import Trainer

    if args.resume:
        # The run's own demos (or --demos), to its own total unless --steps asks for more.
        run = RunDir(args.resume)
        ignored = [flag for flag, value in _RESUME_FIXED.items() if getattr(args, value) not in (None, [], False)]
        if ignored:
            raise StudioError(f"--resume continues the run as it was set up: drop {', '.join(ignored)}")
        overrides = _overrides(args)
        unknown = sorted(set(overrides) - {f.name for f in fields(TrainConfig)})
        if unknown:
            raise StudioError(f"--set: unknown setting(s) {', '.join(unknown)}")
        fixed = sorted(set(overrides) - set(RESUMABLE_FIELDS))
        if fixed:
            raise StudioError(
                f"--resume continues the run as it was set up: --set {', '.join(fixed)} cannot change "
                f"(what can: {', '.join(RESUMABLE_FIELDS)})"
            )
        bc = run.config().algo == "bc"
        if bc and "total_steps" in overrides:  # BC counts epochs: --steps would be ignored
            raise StudioError("--resume of a BC run: it trains for epochs, so drop --steps (--set bc_epochs=N)")
        try:
            config, _ = run.resume_config(overrides.pop("total_steps", None), overrides.pop("bc_epochs", None))
        except NothingToResume as nothing:
            raise StudioError(f"{nothing} ({'--set bc_epochs=N' if bc else '--steps N'})") from None
        config = config.replace(**overrides)
        try:
            demos = run.training_demos(config.env, args.demos)
        except DemoError as error:
            if args.demos is None:
                raise
            raise StudioError(
                f"{error} (with --resume, --demos only says where the run's own episodes are now: "
                "a run trains on the data it started with; --start-from RUN begins a new one on other demos)"
            ) from None
        if run.latest_checkpoint() is None:
            print(f"{run.path}: no checkpoint yet (stopped before its first), so it starts over", file=sys.stderr)
        trainer = Trainer(config, demos, run_dir=run.path, resume=True)
    else:
        if args.out is None:
            raise StudioError("train needs --out RUNDIR (or --resume RUNDIR)")
        # A lock file alone is what a trainer that failed to start leaves: the folder is still empty.
        if args.out.exists() and not args.out.is_dir():
            raise StudioError(f"{args.out}: is a file, not a run folder (--out names a new folder)")
        if args.out.exists() and any(p.name != LOCK_FILE for p in args.out.iterdir()):
            raise StudioError(f"{args.out}: run folder already exists and is not empty (use --resume to continue it)")
        origin = RunDir(args.start_from) if args.start_from else None
        if origin is not None and not (origin.path / "config.json").is_file():
            raise StudioError(f"--start-from {origin.path}: not a run folder (no config.json)")
        if origin is not None and args.env:
            raise StudioError("--start-from takes that run's environment: drop --env")
        demos = None
        if origin is not None:
            # Coach mode's data: the run's own episodes and the corrections kept beside them, from
            # its folder or --demos (a run on the samples: WORKSPACE/demos/ENV, where the Coach view
            # keeps them); a --demos folder without the run's episodes trains as its selection says.
            folder, origin_env = args.demos or origin.demos_folder(), origin.config().env
            try:
                demos = origin.demos_with_corrections(origin_env, folder).require_episodes()
            except DemoError as error:
                if args.demos is None:
                    raise
                print(f"{error}: training on its demos as its selection says", file=sys.stderr)
            if args.demos is None and folder.resolve() == sample_demos_dir(origin_env).resolve():
                print(
                    "the run trained on the bundled samples; the Coach view keeps corrections of it in your demos: "
                    "--demos WORKSPACE/demos/ENV adds them",
                    file=sys.stderr,
                )
        if demos is None and args.demos:
            # A folder whose every file is unusable says why, file by file (require_episodes).
            demos = training_demos(load_demo_set(args.demos, env_key=args.env).require_episodes())
        env = args.env or (demos.env_key if demos else None)
        overrides = _overrides(args)
        if origin is not None:
            if args.config:
                raise StudioError("--start-from takes that run's settings: drop --config (use --set to change one)")
            config = origin.config().replace(**overrides)
        elif args.config:
            config = config_from_json(args.config, **({"env": env} if env else {}), **overrides)
        elif env is None:
            raise StudioError("train needs --env or --demos")
        else:
            config = default_config(env, **overrides)
        if demos is None:
            demos = load_demo_set(sample_demos_dir(config.env), env_key=config.env)
        get_spec(config.env)
        if config.algo == "bc":
            given = {"--generator": args.generator, "--reward": args.reward, "--steps": args.total_steps}
            unused = [flag for flag, value in given.items() if value is not None]
            if unused:
                raise StudioError(
                    f"--algo bc fits the demos' actions for a number of epochs, with no env steps, generator or "
                    f"reward: drop {', '.join(unused)} (the epochs: --set bc_epochs=N)"
                )
        created = not args.out.exists()
        try:
            trainer = Trainer(config, demos, run_dir=args.out, start_from=args.start_from)
        except RunLockedError:
            raise  # another trainer, started at the same moment, owns the folder now: leave it be
        except (StudioError, OSError):
            if created:  # a run that never started (a full disk) leaves no empty run folder behind
                shutil.rmtree(args.out, ignore_errors=True)
            raise
    for item in demos.invalid:
        print(f"skipped {item.path.name}: {item.reason}")
    for item in demos.left_out:
        print(f"left out {item.path.name}: {item.reason} ({SELECTION_FILE} in {demos.folder})")
    warning = bad_endings_warning(demos, config.algo == "bc" or config.imitate_failed_endings)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    if trainer.origin is not None:
        print(f"starting from {trainer.origin['run']} (its policy and D after {trainer.origin['env_steps']:,} steps)")
    if demos.corrections:
        steps = sum(episode.demonstrated_steps for episode in demos.corrections)
        print(f"with {len(demos.corrections)} correction(s): {steps:,} steps you played")
    how = (
        f"{config.bc_epochs:,} epochs" if config.algo == "bc" else f"{config.generator}, reward {_reward_text(config)}"
    )
    if args.resume and (trainer.env_steps or trainer.iteration):
        total = f"{config.bc_epochs:,} epochs" if config.algo == "bc" else f"{config.steps_trained:,} env steps"
        print(f"resuming after {_progress_of(trainer, trainer.iteration, config)}, on to {total}")
    print(
        f"training {config.algo} ({how}) on {config.env} "
        f"from {len(demos.episodes)} demos (mean return {demos.returns.mean():.1f}) on {trainer.device}; "
        f"run folder {trainer.run_dir}"
    )
    return _consume(trainer, config)


def _reward_text(config: TrainConfig) -> str:
    if config.env_reward_weight == 0.0 and config.imitation_weight == 1.0:
        return config.reward  # pure imitation, the default
    return f"{config.imitation_weight:g} x {config.reward} + {config.env_reward_weight:g} x the env's reward"


def _consume(trainer: Trainer, config: TrainConfig) -> int:
    from app.cli.stop_on_signals import StopOnSignals
    from core.train.events import TrainControl

    control = TrainControl()
    try:
        with StopOnSignals(control) as signals:
            status = _show_progress(trainer, config, control)
    except KeyboardInterrupt:  # the second Ctrl-C: no checkpoint now, but the last one stays
        kept = trainer.run_folder is not None and trainer.run_folder.latest_checkpoint() is not None
        what = (
            f"its last checkpoint is kept: continue with `imitation-studio train --resume {trainer.run_dir}`"
            if kept
            else "it had no checkpoint yet"
        )
        print(f"interrupted at once (Ctrl-C twice); {what}", file=sys.stderr)
        return exit_codes.INTERRUPTED
    if signals.received and status == 0:
        print(
            f"interrupted ({signals.received}) after {_progress_of(trainer, trainer.iteration, config)}; the "
            f"checkpoint is saved: continue with `imitation-studio train --resume {trainer.run_dir}`",
            file=sys.stderr,
        )
        return exit_codes.INTERRUPTED
    return status


def _show_progress(trainer: Trainer, config: TrainConfig, control: TrainControl) -> int:
    from tqdm import tqdm

    from core.train.events import Failed, Finished, IterationStats

    # Training stops after the batch that reaches total_steps: the bar's end is that batch's.
    total = config.bc_epochs if config.algo == "bc" else config.steps_trained
    unit = "epoch" if config.algo == "bc" else "step"
    latest_eval = float("nan")
    with tqdm(
        total=total,
        initial=trainer.iteration if config.algo == "bc" else trainer.env_steps,
        unit=unit,
        dynamic_ncols=True,
        file=sys.stderr,
    ) as bar:
        for event in trainer.run(control):
            if isinstance(event, IterationStats):
                s = event.scalars
                latest_eval = s.get("eval_return", latest_eval)
                bar.n = event.iteration if config.algo == "bc" else event.env_steps
                shown = {
                    "ret": s.get("train_return"),
                    "eval": latest_eval,
                    "D(exp)": s.get("disc_expert"),
                    "D(pol)": s.get("disc_policy"),
                    "sps": s.get("steps_per_s"),
                    "bc": s.get("bc_loss"),
                }
                bar.set_postfix(
                    {
                        k: f"{v:.2f}" if k.startswith("D") else f"{v:.0f}" if k != "bc" else f"{v:.3f}"
                        for k, v in shown.items()
                        if v is not None and v == v
                    },
                    refresh=False,
                )
                bar.refresh()
            elif isinstance(event, Finished):
                bar.close()
                if event.final_eval:
                    f = event.final_eval
                    print(
                        f"finished after {_progress_of(event, bar.n, config)}: deterministic return "
                        f"{f.return_mean:.1f} ± {f.return_std:.1f}, length {f.length_mean:.0f} "
                        f"({f.episodes} episodes)"
                    )
                else:
                    print(f"stopped after {_progress_of(event, bar.n, config)}")
            elif isinstance(event, Failed):
                bar.close()
                print(f"error: {event.message}", file=sys.stderr)
                if event.checkpoint:
                    print(f"the last good checkpoint is kept: {event.checkpoint}", file=sys.stderr)
                return exit_codes.RUN_FAILED
    return 0


def _progress_of(event, iteration: int, config: TrainConfig) -> str:
    """How far a run went: env steps, or epochs for behaviour cloning (which takes no env step)."""
    return f"{iteration:,} epochs" if config.algo == "bc" else f"{event.env_steps:,} env steps"


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
    return 0


def sampling_verdict(det: dict, sampled: dict, episodes: int) -> str:
    """Which way of acting to use, from the two evaluations' return means and spreads."""
    from core.train.evaluate import sampling_is_better

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
