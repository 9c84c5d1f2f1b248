"""The ``imitation-studio`` command: with no sub-command it opens the GUI; every sub-command is headless.

Each sub-command lives in its own module of ``app.cli`` and imports the engine (torch, gymnasium)
or Qt only when it runs, so that ``--help`` and ``envs`` start at once.

Errors a user can act on (``StudioError``) are printed as one line on stderr with exit status 2;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import core
from app.cli import (
    bench,
    demos,
    envs,
    evaluate,
    exit_codes,
    export,
    probe,
    record_expert,
    screenshot,
    sweep,
    train,
    video,
)
from core.errors import StudioError

WORKSPACE_VARIABLE = "IMITATION_STUDIO_WORKSPACE"
EXIT_USAGE_ERROR = exit_codes.BAD_INPUT


def console_main() -> NoReturn:
    """The console script: ``main`` on the command line's arguments, then the process ends with its
    status. A command that asks for it (``quick_exit``: train, evaluate) ends without the
    interpreter's teardown, about a second of torch._dynamo's clean-up after an optimizer was made,
    once its files are closed and its output flushed: nothing is left for the teardown to write."""
    args = build_parser().parse_args()
    status = main(parsed=args)
    if getattr(args, "quick_exit", False):
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe (`train ... | head`)
                stream.flush()
        os._exit(status)
    sys.exit(status)


def main(argv: Sequence[str] | None = None, parsed: argparse.Namespace | None = None) -> int:
    """What the command does, by its arguments (``argv``, or already ``parsed``); returns the exit status."""
    args = parsed if parsed is not None else build_parser().parse_args(argv)
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
        return exit_codes.INTERRUPTED
    except BrokenPipeError as error:
        if isinstance(error.__context__, KeyboardInterrupt):  # a Ctrl-C that also broke a child's pipe
            print("interrupted", file=sys.stderr)
            return exit_codes.INTERRUPTED
        # The reader went away (`imitation-studio envs | head`): not an error of ours.
        sys.stderr.close()
        return 0
    except OSError as error:  # a folder that cannot be written, a disk that is full
        if args.debug:
            raise
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {where}{error.strerror or error}", file=sys.stderr)
        return exit_codes.RUN_FAILED if error.errno == errno.ENOSPC else EXIT_USAGE_ERROR


class OneLineErrorParser(argparse.ArgumentParser):
    """Bad arguments are one line, like every other error here, with where to read more; argparse
    prints its whole usage block first. Subcommands' parsers are made of this class too."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE_ERROR, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
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

    for command in (envs, record_expert, demos, train, evaluate, export, video, screenshot, probe, bench, sweep):
        command.add_command(commands)
    return parser


if __name__ == "__main__":
    console_main()
