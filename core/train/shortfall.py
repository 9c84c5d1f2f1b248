"""Why a finished run's policy plays worse than its demos, read from the run's own data.

A student who trained on their own play and got a worse policy needs a reason they can act on,
not a number. When the policy the run presents (``core.train.runs.shown_policy``) scores clearly
below the demos' mean return, the likely cause is read from what the run has: the demos' endings,
how many there are, how much they differ, and how well D told the policy from them at the end.
The Train and Watch views and ``train``'s last lines show the sentence.
"""

from __future__ import annotations

import math

import numpy as np

from core.data.demo_set import DemoSet
from core.train.runs.records import FinalEval
from core.train.runs.shown_policy import shown_policy
from core.train.settings.config import TrainConfig, default_config

FEW_DEMOS = 5  # fewer episodes than this rarely show every situation the policy meets
DISAGREEING_SPREAD = 1.0  # demos' return std over |mean| + 1: beyond it they play differently
D_SEPARATES = 0.95  # D's accuracy at the end of a run that still tells the policy every time
TRAIN_LONGER = "train longer (Resume)"
SHORT_RUN = 0.25  # of the env's default total steps: a run that stopped well before it learns


def falls_short(final: FinalEval, demos: DemoSet) -> bool:
    """Does the shown policy score clearly below the demos' mean return (by two standard errors)?"""
    if not demos.episodes:
        return False
    shown = shown_policy(final)
    margin = 2.0 * shown.return_std / math.sqrt(max(final.episodes, 1))
    return shown.return_mean + margin < float(demos.returns.mean())


def shortfall_reason(
    final: FinalEval,
    demos: DemoSet,
    disc_accuracy: float | None = None,
    config: TrainConfig | None = None,
    env_steps: int = 0,
) -> str | None:
    """A sentence on why the shown policy falls short of ``demos`` and what helps; None when it
    does not. ``disc_accuracy``: D's accuracy in the run's last iteration; ``config`` and
    ``env_steps``: the run's settings and how far it trained (to tell a short run)."""
    if not falls_short(final, demos):
        return None
    shown = shown_policy(final)
    which = "The policy (shown sampling its actions, its better way)" if shown.sampled else "The policy"
    head = f"{which} scores {shown.return_mean:.1f}, below your demos' {float(demos.returns.mean()):.1f}"
    causes = _likely_causes(demos, disc_accuracy, config, env_steps)[:2]  # the two that matter most
    reasons = " Also, ".join(f"{cause}." for cause, _ in causes)
    helps = list(dict.fromkeys(help for _, cause_helps in causes for help in cause_helps))
    return f"{head}. Likely: {reasons} What helps: {', or '.join(helps)}."


def _likely_causes(
    demos: DemoSet, disc_accuracy: float | None, config: TrainConfig | None, env_steps: int
) -> list[tuple[str, tuple[str, ...]]]:
    """Each cause that fits, with what helps, most actionable first."""
    causes: list[tuple[str, tuple[str, ...]]] = []
    if config is not None and config.algo == "gail":
        usual = default_config(config.env).total_steps
        if env_steps < SHORT_RUN * usual:
            causes.append(
                (
                    f"the run was short ({env_steps:,} env steps; this env's default is {usual:,})",
                    (TRAIN_LONGER,),
                )
            )
    ended = [episode for episode in demos.episodes if episode.meta.terminated]
    if ended and not any(not episode.ending.failed for episode in demos.episodes):
        causes.append(
            ("none of your demos ends well, so it has never seen how a good one ends", ("record a few that end well",))
        )
    if len(demos.episodes) < FEW_DEMOS:
        causes.append((f"{len(demos.episodes)} demos are few to learn from", ("record a few more",)))
    returns = demos.returns
    spread = float(np.std(returns)) / (abs(float(np.mean(returns))) + 1.0)
    if spread > DISAGREEING_SPREAD:
        causes.append(
            (
                f"your demos differ a lot (returns from {returns.min():.0f} to {returns.max():.0f}), and it "
                "learns something between them",
                ("untick the ones unlike the rest in the Record view's list (the D column flags them)",),
            )
        )
    if disc_accuracy is not None and disc_accuracy >= D_SEPARATES:
        causes.append(
            (
                f"the discriminator still tells it from your demos {disc_accuracy:.0%} of the time, so it has "
                "not learnt to play like them yet",
                (TRAIN_LONGER,),
            )
        )
    causes.append(
        (
            "it has not learnt every situation your demos show",
            (TRAIN_LONGER, "take over in Coach where it goes wrong"),
        )
    )
    return causes
