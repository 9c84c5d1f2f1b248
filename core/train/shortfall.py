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

FEW_DEMOS = 5  # fewer episodes than this rarely show every situation the policy meets
DISAGREEING_SPREAD = 1.0  # demos' return std over |mean| + 1: beyond it they play differently
D_SEPARATES = 0.95  # D's accuracy at the end of a run that still tells the policy every time


def falls_short(final: FinalEval, demos: DemoSet) -> bool:
    """Does the shown policy score clearly below the demos' mean return (by two standard errors)?"""
    if not demos.episodes:
        return False
    shown = shown_policy(final)
    margin = 2.0 * shown.return_std / math.sqrt(max(final.episodes, 1))
    return shown.return_mean + margin < float(demos.returns.mean())


def shortfall_reason(final: FinalEval, demos: DemoSet, disc_accuracy: float | None = None) -> str | None:
    """A sentence on why the shown policy falls short of ``demos`` and what helps; None when it
    does not. ``disc_accuracy``: D's accuracy in the run's last iteration, when it has one."""
    if not falls_short(final, demos):
        return None
    shown = shown_policy(final)
    which = "The policy (shown sampling its actions, its better way)" if shown.sampled else "The policy"
    head = f"{which} scores {shown.return_mean:.1f}, below your demos' {float(demos.returns.mean()):.1f}"
    return f"{head}: {_likely_cause(demos, disc_accuracy)}"


def _likely_cause(demos: DemoSet, disc_accuracy: float | None) -> str:
    """The first cause that fits, most actionable first."""
    ended = [episode for episode in demos.episodes if episode.meta.terminated]
    returns = demos.returns
    if ended and all(episode.ending.failed for episode in ended):
        return (
            "none of your demos ends well, so it has never seen how a good one ends. Record a few that end "
            "well, or take over in Coach where it goes wrong."
        )
    if len(demos.episodes) < FEW_DEMOS:
        return (
            f"{len(demos.episodes)} demos are few to learn from. Record a few more, or take over in Coach "
            "where it goes wrong."
        )
    spread = float(np.std(returns)) / (abs(float(np.mean(returns))) + 1.0)
    if spread > DISAGREEING_SPREAD:
        return (
            f"your demos differ a lot (returns from {returns.min():.0f} to {returns.max():.0f}), and it learns "
            "something between them. Untick the ones unlike the rest in the Record view's list (the D column "
            "flags them), or record more that are alike."
        )
    if disc_accuracy is not None and disc_accuracy >= D_SEPARATES:
        return (
            f"the discriminator still tells it from your demos {disc_accuracy:.0%} of the time, so it has not "
            "learnt to play like them yet. Train longer (Resume), or take over in Coach where it goes wrong."
        )
    return "train longer (Resume), record a few more demos, or take over in Coach where it goes wrong."
