"""The ``train`` sub-command: the arguments read into a new or resumed run, what it trains on said first, then
the engine, headless, behind a progress bar (``app.cli.train_progress``)."""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.set_args import parse_set
from app.cli.train_progress import follow_run, progress_of
from core.errors import DemoError, StudioError
from core.train.settings.config import ALGOS, DEVICES, GENERATORS, REWARDS, TrainConfig

# The engine (torch, gymnasium) is imported inside the commands: `--help` must not wait for it.
if TYPE_CHECKING:
    from core.data.demo_set import DemoSet
    from core.train.runs.run_dir import RunDir
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
    train.set_defaults(handler=run_train, quick_exit=True)  # see app.cli.main.console_main


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
    trainer = _resumed_trainer(args) if args.resume else _new_trainer(args)
    _report_demos(trainer)
    _report_start(trainer, resumed=bool(args.resume))
    return follow_run(trainer, trainer.config)


def _resumed_trainer(args: argparse.Namespace) -> Trainer:
    """The run of --resume continued on its own demos (or --demos), to its own total unless --steps asks more."""
    from core.train.runs.run_dir import RunDir
    from core.train.trainer import Trainer

    run = RunDir(args.resume)
    overrides = _resume_overrides(args)
    config = _resume_config(run, overrides)
    demos = _resumed_demos(run, config, args.demos)
    if run.latest_checkpoint() is None:
        print(f"{run.path}: no checkpoint yet (stopped before its first), so it starts over", file=sys.stderr)
    return Trainer(config, demos, run_dir=run.path, resume=True)


def _resume_overrides(args: argparse.Namespace) -> dict:
    """What --steps and --set change in a resumed run; StudioError for a flag or setting it keeps as it was."""
    from core.train.settings.config import RESUMABLE_FIELDS

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
    return overrides


def _resume_config(run: RunDir, overrides: dict) -> TrainConfig:
    """The run's own config, on to its new total (steps, or epochs for BC), with the resumable overrides."""
    from core.train.runs.run_dir import NothingToResume

    bc = run.config().algo == "bc"
    if bc and "total_steps" in overrides:  # BC counts epochs: --steps would be ignored
        raise StudioError("--resume of a BC run: it trains for epochs, so drop --steps (--set bc_epochs=N)")
    try:
        config, _ = run.resume_config(overrides.pop("total_steps", None), overrides.pop("bc_epochs", None))
    except NothingToResume as nothing:
        raise StudioError(f"{nothing} ({'--set bc_epochs=N' if bc else '--steps N'})") from None
    return config.replace(**overrides)


def _resumed_demos(run: RunDir, config: TrainConfig, folder: Path | None) -> DemoSet:
    """The episodes the run recorded, from their folder or from --demos."""
    try:
        return run.training_demos(config.env, folder)
    except DemoError as error:
        if folder is None:
            raise
        raise StudioError(
            f"{error} (with --resume, --demos only says where the run's own episodes are now: "
            "a run trains on the data it started with; --start-from RUN begins a new one on other demos)"
        ) from None


def _new_trainer(args: argparse.Namespace) -> Trainer:
    """A new run in the empty folder --out: on the given demos and settings, or on another run's (--start-from)."""
    from core.data.demo_set import load_demo_set
    from core.envs.registry import get_spec
    from core.paths import sample_demos_dir

    _check_new_run_folder(args.out)
    origin = _origin_run(args)
    demos = _chosen_demos(args, origin)
    config = _new_config(args, origin, env=args.env or (demos.env_key if demos else None))
    if demos is None:
        demos = load_demo_set(sample_demos_dir(config.env), env_key=config.env)
    get_spec(config.env)
    if config.algo == "bc":
        _refuse_flags_bc_ignores(args)
    return _created_trainer(config, demos, args.out, args.start_from)


def _check_new_run_folder(out: Path | None) -> None:
    """StudioError unless --out names a folder that is new or empty."""
    from core.train.runs.layout import LOCK_FILE

    if out is None:
        raise StudioError("train needs --out RUNDIR (or --resume RUNDIR)")
    # A lock file alone is what a trainer that failed to start leaves: the folder is still empty.
    if out.exists() and not out.is_dir():
        raise StudioError(f"{out}: is a file, not a run folder (--out names a new folder)")
    if out.exists() and any(p.name != LOCK_FILE for p in out.iterdir()):
        raise StudioError(f"{out}: run folder already exists and is not empty (use --resume to continue it)")


def _origin_run(args: argparse.Namespace) -> RunDir | None:
    """The run folder of --start-from (None without it), whose environment the new run takes."""
    from core.train.runs.layout import CONFIG_FILE, is_run_folder
    from core.train.runs.run_dir import RunDir

    if not args.start_from:
        return None
    origin = RunDir(args.start_from)
    if not is_run_folder(origin.path):
        raise StudioError(f"--start-from {origin.path}: not a run folder (no {CONFIG_FILE})")
    if args.env:
        raise StudioError("--start-from takes that run's environment: drop --env")
    return origin


def _chosen_demos(args: argparse.Namespace, origin: RunDir | None) -> DemoSet | None:
    """A new run's demos: --start-from's with their corrections, or --demos as its selection says; None: the samples."""
    from core.data.demo_selection import training_demos
    from core.data.demo_set import load_demo_set

    demos = _start_from_demos(origin, args.demos) if origin is not None else None
    if demos is None and args.demos:
        # A folder whose every file is unusable says why, file by file (require_episodes).
        demos = training_demos(load_demo_set(args.demos, env_key=args.env).require_episodes())
    return demos


def _start_from_demos(origin: RunDir, given_folder: Path | None) -> DemoSet | None:
    """Coach mode's data: the --start-from run's own episodes and the corrections kept beside them."""
    from core.paths import sample_demos_dir

    # From the run's folder or --demos (a run on the samples: WORKSPACE/demos/ENV, where the Coach view
    # keeps them); a --demos folder without the run's episodes (None) trains as its selection says.
    folder, origin_env = given_folder or origin.demos_folder(), origin.config().env
    demos = None
    try:
        demos = origin.demos_with_corrections(origin_env, folder).require_episodes()
    except DemoError as error:
        if given_folder is None:
            raise
        print(f"{error}: training on its demos as its selection says", file=sys.stderr)
    if given_folder is None and folder.resolve() == sample_demos_dir(origin_env).resolve():
        print(
            "the run trained on the bundled samples; the Coach view keeps corrections of it in your demos: "
            "--demos WORKSPACE/demos/ENV adds them",
            file=sys.stderr,
        )
    return demos


def _new_config(args: argparse.Namespace, origin: RunDir | None, env: str | None) -> TrainConfig:
    """A new run's settings: --start-from's, a --config file's or the env's defaults, with the flags over them."""
    from core.train.settings.config import config_from_json, default_config

    overrides = _overrides(args)
    if origin is not None:
        if args.config:
            raise StudioError("--start-from takes that run's settings: drop --config (use --set to change one)")
        return origin.config().replace(**overrides)
    if args.config:
        return config_from_json(args.config, **({"env": env} if env else {}), **overrides)
    if env is None:
        raise StudioError("train needs --env or --demos")
    return default_config(env, **overrides)


def _refuse_flags_bc_ignores(args: argparse.Namespace) -> None:
    """StudioError naming the GAIL flags given to a behaviour-cloning run, which would do nothing."""
    given = {"--generator": args.generator, "--reward": args.reward, "--steps": args.total_steps}
    unused = [flag for flag, value in given.items() if value is not None]
    if unused:
        raise StudioError(
            f"--algo bc fits the demos' actions for a number of epochs, with no env steps, generator or "
            f"reward: drop {', '.join(unused)} (the epochs: --set bc_epochs=N)"
        )


def _created_trainer(config: TrainConfig, demos: DemoSet, out: Path, start_from: Path | None) -> Trainer:
    """The trainer of a new run folder; a run that fails to start leaves no folder it created behind."""
    from core.train.runs.run_lock import RunLockedError
    from core.train.trainer import Trainer

    created = not out.exists()
    try:
        return Trainer(config, demos, run_dir=out, start_from=start_from)
    except RunLockedError:
        raise  # another trainer, started at the same moment, owns the folder now: leave it be
    except (StudioError, OSError):
        if created:  # a run that never started (a full disk) leaves no empty run folder behind
            shutil.rmtree(out, ignore_errors=True)
        raise


def _report_demos(trainer: Trainer) -> None:
    """The files the run does not train on, and why; a warning when most demos ended badly."""
    from core.data.demo_selection import SELECTION_FILE
    from core.data.demo_warnings import bad_endings_warning

    demos = trainer.demos
    for item in demos.invalid:
        print(f"skipped {item.path.name}: {item.reason}")
    for item in demos.left_out:
        print(f"left out {item.path.name}: {item.reason} ({SELECTION_FILE} in {demos.folder})")
    # What the trainer decided its demos' endings teach D (its own choice, not a second one).
    warning = bad_endings_warning(demos, trainer.config.algo == "bc" or trainer.ending_choice.imitate_failed)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)


def _report_start(trainer: Trainer, resumed: bool) -> None:
    """Where the run starts and what it trains on: the lines above the progress bar."""
    config, demos = trainer.config, trainer.demos
    if trainer.origin is not None:
        print(f"starting from {trainer.origin.run} (its policy and D after {trainer.origin.env_steps:,} steps)")
    if demos.corrections:
        steps = sum(episode.demonstrated_steps for episode in demos.corrections)
        print(f"with {len(demos.corrections)} correction(s): {steps:,} steps you played")
    how = (
        f"{config.bc_epochs:,} epochs" if config.algo == "bc" else f"{config.generator}, reward {_reward_text(config)}"
    )
    if resumed and (trainer.env_steps or trainer.iteration):
        total = f"{config.progress_total:,} {config.progress_unit}"
        print(f"resuming after {progress_of(trainer, trainer.iteration, config)}, on to {total}")
    print(
        f"training {config.algo} ({how}) on {config.env} "
        f"from {len(demos.episodes)} demos (mean return {demos.returns.mean():.1f}) on {trainer.device} "
        f"({trainer.device_choice.reason}); "
        f"run folder {trainer.run_dir}"
    )
    if config.algo == "gail" and config.absorbing:  # what the trainer decided the endings teach D
        print(f"endings: {trainer.ending_choice.reason}")


def _reward_text(config: TrainConfig) -> str:
    if config.env_reward_weight == 0.0 and config.imitation_weight == 1.0:
        return config.reward  # pure imitation, the default
    return f"{config.imitation_weight:g} x {config.reward} + {config.env_reward_weight:g} x the env's reward"
