"""The ``demos`` sub-commands: what a demo folder holds (info), whether it replays (validate), and
Minari datasets out of and into demo folders (export-minari, import-minari)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.data.demo_set import DemoSet
    from core.data.episode import Episode

EXIT_INVALID_DEMOS = 1


def add_command(commands: argparse._SubParsersAction) -> None:
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
    export = demo_commands.add_parser(
        "export-minari", help="write a demo folder's training episodes as a local Minari dataset"
    )
    export.add_argument("folder", type=Path)
    export.add_argument("--dataset-id", required=True, help="e.g. lunarlander/my-demos-v0 (Minari's naming)")
    export.add_argument("--author", default="", help="recorded in the dataset")
    export.set_defaults(handler=run_demos_export_minari)
    load = demo_commands.add_parser("import-minari", help="make a demo folder from a local Minari dataset")
    load.add_argument("dataset_id", metavar="ID")
    load.add_argument("--out", type=Path, required=True, help="the demo folder to create")
    load.set_defaults(handler=run_demos_import_minari)


def run_demos_export_minari(args: argparse.Namespace) -> int:
    from core.share.minari_io import export_minari

    summary = export_minari(args.folder, args.dataset_id, args.author)
    for reason in summary.left_out:
        print(f"left out {reason}")
    print(f"wrote Minari dataset {summary.dataset_id}: {summary.episodes} episodes, {summary.steps:,} steps")
    return 0


def run_demos_import_minari(args: argparse.Namespace) -> int:
    from core.data.demo_set import load_demo_set
    from core.share.minari_io import import_minari

    written = import_minari(args.dataset_id, args.out)
    demos = load_demo_set(args.out)
    unreplayable = sum(not episode.meta.replayable for episode in demos.episodes)
    note = f"; {unreplayable} without a reset seed (they train, but cannot be replayed)" if unreplayable else ""
    print(f"wrote {len(written)} episodes of {demos.env_key} into {args.out}{note}")
    return 0


def run_demos_info(args: argparse.Namespace) -> int:
    from core.data.demo_set import load_demo_set

    demo_set = load_demo_set(args.folder, env_key=args.env)
    print(describe_demo_set(demo_set))
    return 0


def describe_demo_set(demo_set: DemoSet) -> str:
    """A text report: summary, one row per episode (with how it ended), the episodes the folder's
    selection leaves out of training, then the unusable files with reasons."""
    from core.data.demo_selection import SELECTION_FILE, load_selection

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
        ]
        lines += _episode_table(demo_set.episodes)
        selected = load_selection(demo_set.folder).apply(demo_set)
        if selected.left_out:
            lines += ["", f"Left out of training by {SELECTION_FILE} ({len(selected.left_out)}):"]
            lines += [f"  {item.path.name}: {item.reason}" for item in selected.left_out]
    else:
        lines.append("Episodes   0 usable")
    if demo_set.cleaned:
        lines += ["", f"Removed {len(demo_set.cleaned)} unfinished write(s) of an interrupted recording:"]
        lines += [f"  {path.name}" for path in demo_set.cleaned]
    if demo_set.invalid:
        lines += ["", f"Unusable files ({len(demo_set.invalid)}):"]
        lines += [f"  {bad.path.name}: {bad.reason}" for bad in demo_set.invalid]
    return "\n".join(lines)


def _episode_table(episodes: Sequence[Episode]) -> list[str]:
    """A header and a row per episode, the columns as wide as their longest entry (a correction's
    file name and source are longer than a recording's)."""
    rows = [_episode_cells(episode) for episode in episodes]
    header = ("file", "source", "seed", "steps", "return", "ending")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(5)]

    def line(cells: Sequence[str]) -> str:
        name, source, seed, steps, ret, end = cells
        return (
            f"{name:<{widths[0]}}  {source:<{widths[1]}}  {seed:>{widths[2]}}  {steps:>{widths[3]}}  "
            f"{ret:>{widths[4]}}  {end}"
        )

    return [line(header)] + [line(row) for row in rows]


def _episode_cells(episode: Episode) -> tuple[str, str, str, str, str, str]:
    meta = episode.meta
    end = episode.ending.text if meta.terminated or meta.truncated else "unfinished"
    name = episode.path.name if episode.path else "(in memory)"
    seed = str(meta.reset_seed) if meta.replayable else "—"  # imported without one
    return name, episode.source_label, seed, str(episode.length), f"{episode.episode_return:.2f}", end


def run_demos_validate(args: argparse.Namespace) -> int:
    from core.data.demo_set import load_demo_set
    from core.data.replay import NOT_REPLAYABLE, verify_replay

    demo_set = load_demo_set(args.folder, env_key=args.env)
    bad = [(item.path, item.reason) for item in demo_set.invalid]
    unreplayable = [episode for episode in demo_set.episodes if not episode.meta.replayable]
    for episode in demo_set.episodes:
        if args.no_replay or not episode.meta.replayable:
            continue
        check = verify_replay(episode)
        if not check.ok:
            bad.append((episode.path, f"replay does not reproduce the recording: {check.message}"))
    bad.sort()
    good = len(demo_set.episodes) + len(demo_set.invalid) - len(bad)
    for path, reason in bad:
        print(f"BAD  {path}: {reason}")
    for episode in unreplayable:
        print(f"NOTE {episode.path}: {NOT_REPLAYABLE}")
    checked = "checked" if args.no_replay else "checked and replayed"
    skipped = f" ({len(unreplayable)} not replayable, checked without a replay)" if unreplayable else ""
    print(f"{good} good, {len(bad)} bad file(s) {checked} in {demo_set.folder}{skipped}")
    return EXIT_INVALID_DEMOS if bad else 0
