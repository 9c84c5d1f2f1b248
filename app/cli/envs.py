"""The ``envs`` sub-command: the registry, with each env's keys."""

from __future__ import annotations

import argparse


def add_command(commands: argparse._SubParsersAction) -> None:
    envs = commands.add_parser("envs", help="list the supported environments and their keys")
    envs.set_defaults(handler=run_envs)


def run_envs(args: argparse.Namespace) -> int:
    from core.envs.registry import REGISTRY

    for spec in REGISTRY.values():
        kwargs = "".join(f" {k}={v}" for k, v in spec.gym_kwargs.items())
        training = ""
        if spec.pixels is not None:
            frames, height, width = spec.pixels.image_shape
            training = f"  [pixels: the networks see {frames} grey {height}x{width} frames]"
        about = f"{spec.display_name}; gymnasium {spec.gym_id}{kwargs}; {spec.action_kind}, {spec.fps} fps"
        print(f"{spec.key}  ({about}){training}")
        print(f"    {spec.hint}")
        for keys, effect in spec.key_legend():
            print(f"    {keys:<12} {effect}")
        print()
    return 0
