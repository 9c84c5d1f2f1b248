"""A ``train`` run followed to its end: the progress bar, Ctrl-C and SIGTERM, the closing line and the exit
status."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from app.cli import exit_codes

# The engine (torch, gymnasium) is imported inside the functions: `--help` must not wait for it.
if TYPE_CHECKING:
    from core.train.events import Finished, TrainControl
    from core.train.settings.config import TrainConfig
    from core.train.trainer import Trainer


def follow_run(trainer: Trainer, config: TrainConfig) -> int:
    """Run the trainer to its end behind a progress bar; the exit status (Ctrl-C and SIGTERM stop it and save)."""
    from app.cli.stop_on_signals import StopOnSignals
    from core.train.events import TrainControl

    control = TrainControl()
    try:
        with StopOnSignals(control) as signals:
            status = _show_progress(trainer, config, control)
    except KeyboardInterrupt:  # the second Ctrl-C: no checkpoint now, but the last one stays
        kept = trainer.run_folder is not None and trainer.run_folder.latest_checkpoint() is not None
        what = (
            f"its last checkpoint is kept: continue with `imitation-studio train --resume {trainer.run_dir}`"
            if kept
            else "it had no checkpoint yet"
        )
        print(f"interrupted at once (Ctrl-C twice); {what}", file=sys.stderr)
        return exit_codes.INTERRUPTED
    if signals.received and status == 0:
        print(
            f"interrupted ({signals.received}) after {progress_of(trainer, trainer.iteration, config)}; the "
            f"checkpoint is saved: continue with `imitation-studio train --resume {trainer.run_dir}`",
            file=sys.stderr,
        )
        return exit_codes.INTERRUPTED
    return status


def _show_progress(trainer: Trainer, config: TrainConfig, control: TrainControl) -> int:
    from tqdm import tqdm

    from core.train.events import Failed, Finished, IterationStats
    from core.train.shortfall import shortfall_reason

    # Training stops after the batch that reaches total_steps: the bar's end is that batch's.
    total = config.progress_total
    unit = "epoch" if config.algo == "bc" else "step"
    latest_eval = float("nan")
    disc_accuracy = None  # D's in the latest iteration, for the shortfall's reason
    with tqdm(
        total=total,
        initial=config.progress_of(trainer.iteration, trainer.env_steps),
        unit=unit,
        dynamic_ncols=True,
        file=sys.stderr,
    ) as bar:
        for event in trainer.run(control):
            if isinstance(event, IterationStats):
                s = event.scalars
                latest_eval = s.get("eval_return", latest_eval)
                disc_accuracy = s.get("disc_accuracy", disc_accuracy)
                bar.n = config.progress_of(event.iteration, event.env_steps)
                shown = {
                    "ret": s.get("train_return"),
                    "eval": latest_eval,
                    "D(exp)": s.get("disc_expert"),
                    "D(pol)": s.get("disc_policy"),
                    "sps": s.get("steps_per_s"),
                    "bc": s.get("bc_loss"),
                }
                bar.set_postfix(
                    {
                        k: f"{v:.2f}" if k.startswith("D") else f"{v:.0f}" if k != "bc" else f"{v:.3f}"
                        for k, v in shown.items()
                        if v is not None and v == v
                    },
                    refresh=False,
                )
                bar.refresh()
            elif isinstance(event, Finished):
                bar.close()
                if event.final_eval:
                    f = event.final_eval
                    print(
                        f"finished after {progress_of(event, bar.n, config)}: deterministic return "
                        f"{f.return_mean:.1f} ± {f.return_std:.1f}, length {f.length_mean:.0f} "
                        f"({f.episodes} episodes)"
                    )
                    for line in ending_lines(event, trainer, config):
                        print(line)
                    reason = shortfall_reason(f, trainer.demos, disc_accuracy, config, event.env_steps)
                    if reason:
                        print(reason)
                else:
                    print(f"stopped after {progress_of(event, bar.n, config)}")
            elif isinstance(event, Failed):
                bar.close()
                print(f"error: {event.message}", file=sys.stderr)
                if event.checkpoint:
                    print(f"the last good checkpoint is kept: {event.checkpoint}", file=sys.stderr)
                return exit_codes.RUN_FAILED
    return 0


def ending_lines(event: Finished, trainer: Trainer, config: TrainConfig) -> list[str]:
    """Why the run ended where it did, and which of its policies it keeps, in plain words."""
    from core.train.best_policy import kept_policy_words

    lines = []
    if event.done_reason:
        lines.append(
            f"{event.done_reason}; to train on to {config.progress_total:,} {config.progress_unit}: "
            f"imitation-studio train --resume {trainer.run_dir} --set stop_when_done=false"
        )
    kept = kept_policy_words(event.final_eval, config.progress_unit) if event.final_eval else None
    return [*lines, kept] if kept else lines


def progress_of(event, iteration: int, config: TrainConfig) -> str:
    """How far a run went: env steps, or epochs for behaviour cloning (which takes no env step)."""
    return f"{iteration:,} epochs" if config.algo == "bc" else f"{event.env_steps:,} env steps"
