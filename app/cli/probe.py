"""The ``probe`` sub-command's arguments; the work is in ``app.gui.tools.probes`` (it needs Qt)."""

from __future__ import annotations

import argparse

from app.cli.arg_types import positive_float, positive_int


def add_command(commands: argparse._SubParsersAction) -> None:
    probe = commands.add_parser("probe", help="measure GUI frame pacing and responsiveness (offscreen)")
    probe.add_argument("what", choices=("pacing", "responsiveness"))
    probe.add_argument("--seconds", type=positive_float, default=20.0, help="pacing: how long to play (default 20)")
    probe.add_argument(
        "--steps", type=positive_int, default=200_000, help="responsiveness: env steps to train (default 200k)"
    )
    probe.add_argument(
        "--view", choices=("train", "watch"), default="watch", help="responsiveness: the view shown while training"
    )
    probe.add_argument("--json", action="store_true", help="print one JSON object")
    probe.set_defaults(handler=_run_probe)


def _run_probe(args: argparse.Namespace) -> int:
    from app.gui.tools.probes import run_probe

    return run_probe(args)
