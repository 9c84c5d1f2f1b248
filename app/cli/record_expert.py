"""The ``record-expert`` sub-command: episodes of a scripted expert, written as a demo set.

``--style human`` plays the expert's intent through a simulated person's hands (reaction lag,
key holds, slips; ``core.envs.human_player``), for demos like a person's.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.arg_types import positive_int, seed_int
from core.errors import StudioError

if TYPE_CHECKING:
    from core.envs.experts import ImperfectExpert
    from core.envs.human_player import HumanLikePlayer


def add_command(commands: argparse._SubParsersAction) -> None:
    record = commands.add_parser("record-expert", help="record episodes of a scripted expert into a demo folder")
    record.add_argument("--env", required=True, help="environment key (see `imitation-studio envs`)")
    record.add_argument("--episodes", type=positive_int, default=10, help="number of episodes (default 10)")
    record.add_argument(
        "--seed", type=seed_int, default=0, help="reset seed of the first episode; episode i uses seed+i"
    )
    record.add_argument("--out", type=Path, required=True, help="demo folder to write into (created if needed)")
    record.add_argument(
        "--style",
        choices=("scripted", "human"),
        default="scripted",
        help="scripted: the controller itself (with --noise/--delay); human: a simulated keyboard player",
    )
    record.add_argument(
        "--skill",
        type=_skill,
        default=None,
        help="the human-like player's skill: good, weak or a number in [0, 1] (default good)",
    )
    record.add_argument("--noise", type=float, default=0.0, help="probability of a random action (default 0)")
    record.add_argument("--delay", type=int, default=0, help="reaction delay in steps (default 0)")
    record.add_argument(
        "--min-return",
        type=float,
        default=None,
        help="discard episodes below this return and try further seeds (at most 10x --episodes)",
    )
    record.set_defaults(handler=run_record_expert)


def _skill(text: str) -> float:
    from core.envs.human_player import SKILL_LEVELS

    if text in SKILL_LEVELS:
        return SKILL_LEVELS[text]
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be {', '.join(SKILL_LEVELS)} or a number in [0, 1], got {text!r}"
        ) from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1], got {value:g}")
    return value


def _player(args: argparse.Namespace) -> ImperfectExpert | HumanLikePlayer:
    from core.envs.experts import make_expert
    from core.envs.human_player import SKILL_LEVELS, make_human_player

    if args.style == "human":
        if args.noise or args.delay:
            raise StudioError(
                "--noise and --delay belong to --style scripted; the human style's --skill sets its hands"
            )
        skill = SKILL_LEVELS["good"] if args.skill is None else args.skill
        return make_human_player(args.env, skill, seed=args.seed)
    if args.skill is not None:
        raise StudioError("--skill belongs to --style human")
    return make_expert(args.env, noise=args.noise, delay_steps=args.delay, seed=args.seed)


def run_record_expert(args: argparse.Namespace) -> int:
    import shutil

    from core.data.demo_set import episode_files
    from core.folder_lock import FolderLock

    expert = _player(args)
    created = not args.out.exists()
    # The folder's check and the writing under one lock: two recordings into one folder would both
    # find the same seeds free (or an empty folder for two envs) and both write.
    lock = FolderLock.acquire(args.out, "another recording is writing into this demo folder")
    try:
        _check_out_folder(args, expert.description)
        return _record(args, expert)
    finally:
        lock.release()
        if created and not episode_files(args.out):  # nothing kept: leave no folder behind
            shutil.rmtree(args.out, ignore_errors=True)


def _record(args: argparse.Namespace, expert: ImperfectExpert | HumanLikePlayer) -> int:
    """Record until ``args.episodes`` are kept (at most ten times as many seeds)."""
    from core.data.recorder import Recorder
    from core.envs.registry import get_spec

    recorder = Recorder(get_spec(args.env), args.out, source="scripted", source_detail=expert.description)
    expert.bind(recorder.env)
    kept = 0
    try:
        for seed in range(args.seed, args.seed + 10 * args.episodes):
            observation = recorder.reset(seed=seed)
            expert.reset(observation)
            while not recorder.done:
                observation = recorder.step(expert.act(observation)).observation
            summary = f"seed {seed}: return {recorder.episode_return:8.2f}, {recorder.length:4d} steps"
            if args.min_return is not None and recorder.episode_return < args.min_return:
                recorder.discard()
                print(f"discarded  {summary} (below --min-return {args.min_return:g})")
                continue
            kept += 1
            print(f"episode {kept}/{args.episodes} {summary} -> {recorder.keep()}")
            if kept == args.episodes:
                return 0
    finally:
        recorder.close()
    where = f"the kept ones are in {args.out}" if kept else "nothing was written"
    raise StudioError(
        f"only {kept} of {args.episodes} episodes reached --min-return {args.min_return:g} "
        f"in {10 * args.episodes} seeds; {where}"
    )


def _check_out_folder(args: argparse.Namespace, detail: str) -> None:
    """A demo folder holds one env, and the same player from the same seed would only write a
    copy of an episode already there (twice the weight in training, for nothing)."""
    from core.data.demo_set import episode_files, load_demo_set

    if not args.out.is_dir() or not episode_files(args.out):
        return
    existing = load_demo_set(args.out)
    if existing.env_key is not None and existing.env_key != args.env:
        raise StudioError(
            f"--out {args.out}: holds {existing.env_key} episodes; a demo folder holds one environment, "
            f"so choose another folder for {args.env}"
        )
    used = {episode.meta.reset_seed for episode in existing.episodes if episode.meta.source_detail == detail}
    tries = args.episodes if args.min_return is None else 10 * args.episodes  # --min-return tries further seeds
    wanted = range(args.seed, args.seed + tries)
    if used.intersection(wanted):
        raise StudioError(
            f"--out {args.out}: already holds episodes of this player from seeds it would use again (the same "
            f"episodes twice); start at --seed {max(used) + 1}, or choose another folder"
        )
