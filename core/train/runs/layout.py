"""The entries of a run folder, each named once; ``RunDir`` is the door through which they are read.

config.json       the run's TrainConfig (a folder is a run folder when it holds one)
demos.json        DemoSummary: where its demos are, their means, the files trained on by hash
origin.json       Origin: the run whose networks it started from (Train on corrections)
metrics.jsonl     one JSON record per iteration
checkpoints/      latest.safetensors + latest.json: networks, optimizers, counters
timeline/         step-NNNNNNNNNN.safetensors: the policy as it was, kept through training
final_eval.json   FinalEval, once training finished
tensorboard/      event files, when the run was asked for them
.lock             held by the one process that trains the run
"""

from __future__ import annotations

from pathlib import Path

from core.folder_lock import LOCK_FILE as LOCK_FILE  # the one writer at a time (core.folder_lock)

CONFIG_FILE = "config.json"
DEMOS_FILE = "demos.json"
ORIGIN_FILE = "origin.json"
METRICS_FILE = "metrics.jsonl"
CHECKPOINT_DIR = "checkpoints"
TIMELINE_DIR = "timeline"
FINAL_EVAL_FILE = "final_eval.json"
TENSORBOARD_DIR = "tensorboard"


def is_run_folder(path: Path) -> bool:
    """Does ``path`` hold a run (its config)? Other folders under runs/ are not listed as runs."""
    return path.is_dir() and (path / CONFIG_FILE).is_file()


def run_folders(runs_dir: Path) -> list[Path]:
    """The run folders under ``runs_dir``, newest first (by name: they start with their creation
    time, so a resumed run keeps its place)."""
    if not runs_dir.is_dir():
        return []
    return sorted(
        (path for path in runs_dir.iterdir() if is_run_folder(path)), key=lambda path: path.name, reverse=True
    )
