"""``imitation-studio video``: a run's policy, or a demo folder, as an MP4 or a GIF."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.arg_types import positive_int, seed_int
from core.errors import StudioError


def add_command(commands: argparse._SubParsersAction) -> None:
    video = commands.add_parser("video", help="render a run's policy (or demos) to an MP4 or GIF file")
    video.add_argument("run_dir", type=Path, nargs="?", metavar="RUN", help="the run whose policy plays")
    video.add_argument("--demos", type=Path, metavar="DIR", help="render this demo folder's episodes instead")
    video.add_argument("--out", type=Path, required=True, help="FILE.mp4 or FILE.gif")
    video.add_argument("--episodes", type=positive_int, default=None, help="episodes (default: 1; --demos: all)")
    video.add_argument("--seed", type=seed_int, help="reset seed of the first policy episode")
    video.add_argument("--snapshot", type=int, metavar="STEP", help="the policy as it was at this kept step")
    video.add_argument("--with-demo", action="store_true", help="a demo beside the policy, from the same start")
    video.add_argument("--scale", type=float, default=1.0, help="frame size factor, e.g. 0.5 for a small GIF")
    video.set_defaults(handler=run_video)


def run_video(args: argparse.Namespace) -> int:
    from core.share import check_video_target

    check_video_target(args.out)  # before the slow import below
    if not 0.05 <= args.scale <= 4.0:
        raise StudioError(f"--scale {args.scale}: choose a factor between 0.05 and 4")
    if (args.run_dir is None) == (args.demos is None):
        raise StudioError("video needs a RUN, or --demos DIR (not both)")
    if args.demos is not None:
        if args.seed is not None or args.snapshot is not None or args.with_demo:
            raise StudioError("--demos renders the demos as they are: drop --seed, --snapshot and --with-demo")
        from core.share.video import demos_video

        summary = demos_video(args.demos, args.out, args.episodes, args.scale)
    else:
        from core.share.video import policy_video

        summary = policy_video(
            args.run_dir, args.out, args.episodes or 1, args.seed, args.snapshot, args.with_demo, args.scale
        )
    for item in summary.skipped:
        print(f"skipped {item}")
    print(f"wrote {summary.path}: {summary.frames} frames of {summary.width}x{summary.height} at {summary.fps:g} fps")
    return 0
