"""The ``screenshot`` sub-command's arguments; the work is in ``app.gui.tools.screenshot`` (it needs Qt)."""

from __future__ import annotations

import argparse
from pathlib import Path

VIEW_NAMES = ("record", "train", "watch", "coach")  # app.gui.main_window.VIEWS (a test holds them equal)


def add_command(commands: argparse._SubParsersAction) -> None:
    shot = commands.add_parser("screenshot", help="render a view of the window offscreen and save a PNG")
    shot.add_argument("--view", choices=VIEW_NAMES, default="record")
    shot.add_argument("--out", type=Path, required=True, help="PNG file to write")
    shot.add_argument("--env", default="LunarLander-v3", help="environment key (default LunarLander-v3)")
    shot.add_argument(
        "--steps", type=int, default=60_000, help="env steps of the short training run (train, watch and coach views)"
    )
    shot.add_argument("--size", default="1400x860", help="window size WIDTHxHEIGHT (default 1400x860)")
    shot.set_defaults(handler=_run_screenshot)


def _run_screenshot(args: argparse.Namespace) -> int:
    from app.gui.tools.screenshot import run_screenshot

    return run_screenshot(args)
