"""``imitation-studio export onnx RUN --out FILE``: a run's policy for other tools."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_command(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export", help="export a run's policy (ONNX) for other tools")
    formats = export.add_subparsers(dest="export_format", metavar="FORMAT", required=True)
    onnx = formats.add_parser(
        "onnx", help="the policy with its observation normalisation: obs -> deterministic action and logits (or mean)"
    )
    onnx.add_argument("run_dir", type=Path, metavar="RUN")
    onnx.add_argument("--out", type=Path, required=True, help="the .onnx file to write")
    onnx.set_defaults(handler=run_export_onnx)


def run_export_onnx(args: argparse.Namespace) -> int:
    from core.share.onnx_export import export_onnx

    path = export_onnx(args.run_dir, args.out)
    print(f"wrote {path} ({path.stat().st_size:,} bytes): input obs, outputs action and logits or mean")
    return 0
