"""The ``imitation-studio`` command: with no sub-command it opens the GUI; every sub-command is headless.

Errors a user can act on (``StudioError``) are printed as one line on stderr with exit status 2;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import core
from app.cli import bench as cli_bench
from app.cli import train as cli_train
from app.gui import probes, screenshot
from core.data.demo_set import DemoSet, load_demo_set
from core.data.episode import Episode
from core.data.recorder import Recorder
from core.data.replay import verify_replay
from core.envs.experts import make_expert
from core.envs.registry import REGISTRY, get_spec
from core.errors import StudioError

WORKSPACE_VARIABLE = "IMITATION_STUDIO_WORKSPACE"
EXIT_USAGE_ERROR = 2
EXIT_INVALID_DEMOS = 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from app.gui.launch import run_gui

            return run_gui(args.workspace)
        return args.handler(args)
    except StudioError as error:
        if args.debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`imitation-studio envs | head`): not an error of ours.
        sys.stderr.close()
        return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imitation-studio",
        description="With no COMMAND: open the window. The commands record demonstrations, train imitation "
        "learners and evaluate them, headless.",
    )
    parser.add_argument("--version", action="version", version=f"imitation-studio {core.__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    parser.add_argument(
        "--workspace",
        type=Path,
        default=os.environ.get(WORKSPACE_VARIABLE) or None,
        metavar="DIR",
        help=f"open the window in this workspace folder (created if needed) and keep the window's settings "
        f"there, not in your home folder; default: ${WORKSPACE_VARIABLE}, else the last workspace used",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    envs = commands.add_parser("envs", help="list the supported environments and their keys")
    envs.set_defaults(handler=run_envs)

    record = commands.add_parser("record-expert", help="record episodes of a scripted expert into a demo folder")
    record.add_argument("--env", required=True, help="environment key (see `imitation-studio envs`)")
    record.add_argument("--episodes", type=_positive_int, default=10, help="number of episodes (default 10)")
    record.add_argument("--seed", type=int, default=0, help="reset seed of the first episode; episode i uses seed+i")
    record.add_argument("--out", type=Path, required=True, help="demo folder to write into (created if needed)")
    record.add_argument("--noise", type=float, default=0.0, help="probability of a random action (default 0)")
    record.add_argument("--delay", type=int, default=0, help="reaction delay in steps (default 0)")
    record.add_argument(
        "--min-return",
        type=float,
        default=None,
        help="discard episodes below this return and try further seeds (at most 10x --episodes)",
    )
    record.set_defaults(handler=run_record_expert)

    demos = commands.add_parser("demos", help="inspect demo folders")
    demo_commands = demos.add_subparsers(dest="demos_command", metavar="ACTION", required=True)
    info = demo_commands.add_parser("info", help="summarise a demo folder, listing unusable files")
    info.add_argument("folder", type=Path)
    info.add_argument("--env", help="expected environment key (default: the one most episodes use)")
    info.set_defaults(handler=run_demos_info)
    validate = demo_commands.add_parser("validate", help="check every file of a demo folder; exit 1 if any is bad")
    validate.add_argument("folder", type=Path)
    validate.add_argument("--env", help="expected environment key (default: the one most episodes use)")
    validate.add_argument("--no-replay", action="store_true", help="skip re-simulating each episode")
    validate.set_defaults(handler=run_demos_validate)

    cli_train.add_commands(commands)
    screenshot.add_command(commands)
    probes.add_command(commands)
    cli_bench.add_command(commands)
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


# ----------------------------------------------------------------------------- envs


def run_envs(args: argparse.Namespace) -> int:
    for spec in REGISTRY.values():
        kwargs = "".join(f" {k}={v}" for k, v in spec.gym_kwargs.items())
        training = "" if spec.trainable else "  [recording only: pixel training not yet supported]"
        about = f"{spec.display_name}; gymnasium {spec.gym_id}{kwargs}; {spec.action_kind}, {spec.fps} fps"
        print(f"{spec.key}  ({about}){training}")
        print(f"    {spec.hint}")
        for keys, effect in spec.key_legend():
            print(f"    {keys:<12} {effect}")
        print()
    return 0


# ----------------------------------------------------------------------------- record-expert


def run_record_expert(args: argparse.Namespace) -> int:
    spec = get_spec(args.env)
    expert = make_expert(spec.key, noise=args.noise, delay_steps=args.delay, seed=args.seed)
    recorder = Recorder(spec, args.out, source="scripted", source_detail=expert.description)
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
    raise StudioError(
        f"only {kept} of {args.episodes} episodes reached --min-return {args.min_return:g} "
        f"in {10 * args.episodes} seeds; the kept ones are in {args.out}"
    )


# ----------------------------------------------------------------------------- demos


def run_demos_info(args: argparse.Namespace) -> int:
    demo_set = load_demo_set(args.folder, env_key=args.env)
    print(describe_demo_set(demo_set))
    return 0


def describe_demo_set(demo_set: DemoSet) -> str:
    """A text report: summary, one row per episode, then the unusable files with reasons."""
    lines = [f"Demo set   {demo_set.folder}"]
    if demo_set.episodes:
        spec = demo_set.spec
        returns, lengths = demo_set.returns, demo_set.lengths
        sources = sorted({episode.meta.source for episode in demo_set.episodes})
        counts = ", ".join(f"{sum(e.meta.source == s for e in demo_set.episodes)} {s}" for s in sources)
        lines += [
            f"Env        {spec.key} ({spec.display_name})",
            f"Episodes   {len(demo_set.episodes)} ({counts}), {demo_set.n_steps} steps",
            f"Return     mean {returns.mean():.2f}  std {returns.std():.2f}"
            f"  min {returns.min():.2f}  max {returns.max():.2f}",
            f"Length     mean {lengths.mean():.1f}  min {lengths.min()}  max {lengths.max()}",
            "",
            f"{'file':<48} {'source':<8} {'seed':>10} {'steps':>6} {'return':>9}  end",
        ]
        lines += [_episode_row(episode) for episode in demo_set.episodes]
    else:
        lines.append("Episodes   0 usable")
    if demo_set.invalid:
        lines += ["", f"Unusable files ({len(demo_set.invalid)}):"]
        lines += [f"  {bad.path.name}: {bad.reason}" for bad in demo_set.invalid]
    return "\n".join(lines)


def _episode_row(episode: Episode) -> str:
    meta = episode.meta
    end = "terminated" if meta.terminated else "time limit" if meta.truncated else "unfinished"
    name = episode.path.name if episode.path else "(in memory)"
    return (
        f"{name:<48} {meta.source:<8} {meta.reset_seed:>10} {episode.length:>6} {episode.episode_return:>9.2f}  {end}"
    )


def run_demos_validate(args: argparse.Namespace) -> int:
    demo_set = load_demo_set(args.folder, env_key=args.env)
    bad = [(item.path, item.reason) for item in demo_set.invalid]
    for episode in demo_set.episodes:
        if args.no_replay:
            continue
        check = verify_replay(episode)
        if not check.ok:
            bad.append((episode.path, f"replay does not reproduce the recording: {check.message}"))
    bad.sort()
    good = len(demo_set.episodes) + len(demo_set.invalid) - len(bad)
    for path, reason in bad:
        print(f"BAD  {path}: {reason}")
    checked = "checked" if args.no_replay else "checked and replayed"
    print(f"{good} good, {len(bad)} bad file(s) {checked} in {demo_set.folder}")
    return EXIT_INVALID_DEMOS if bad else 0


if __name__ == "__main__":
    sys.exit(main())
