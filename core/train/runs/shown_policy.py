"""Which policy a run presents: the one rule that evaluate, the Watch view and the benchmark share.

A policy imitating a person can play better sampling its actions than taking the most likely one
(a person's play is itself a spread of actions). A finished run's final evaluation measures both
(``FinalEval``); the app presents the deterministic policy unless the sampled one scores clearly
higher, by more than two standard errors of the difference, so that it does not flip on the noise
of a few episodes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.train.runs.records import FinalEval


def clearly_higher(base: tuple[float, float], other: tuple[float, float], episodes: int) -> bool:
    """Does ``other`` score clearly higher than ``base``, (mean, std) each over ``episodes``
    episodes: by more than two standard errors of the difference?"""
    (base_mean, base_std), (other_mean, other_std) = base, other
    error = math.sqrt((base_std**2 + other_std**2) / max(episodes, 1))
    return other_mean - base_mean > 2.0 * error


def sampling_is_better(deterministic: tuple[float, float], sampled: tuple[float, float], episodes: int) -> bool:
    """Does the sampled policy score clearly higher, (mean, std) each over ``episodes`` episodes?"""
    return clearly_higher(deterministic, sampled, episodes)


@dataclass(frozen=True)
class ShownPolicy:
    sampled: bool  # the policy is shown sampling its actions
    return_mean: float  # what it scored in the run's final evaluation
    return_std: float


def shown_policy(final: FinalEval) -> ShownPolicy:
    """The policy a finished run presents, by the rule above (deterministic for a run from before
    sampled evaluations)."""
    if final.sampled_return_mean is not None:
        sampled = (final.sampled_return_mean, final.sampled_return_std or 0.0)
        if sampling_is_better((final.return_mean, final.return_std), sampled, final.episodes):
            return ShownPolicy(True, *sampled)
    return ShownPolicy(False, final.return_mean, final.return_std)


def earlier_plays_better(last: FinalEval, earlier: FinalEval) -> bool:
    """Does an earlier policy of the same run (the stopping rule's best evaluation) play clearly
    better than the last, each as it would be shown, on the same final-evaluation episodes?"""
    last_shown, earlier_shown = shown_policy(last), shown_policy(earlier)
    episodes = min(last.episodes, earlier.episodes)
    return clearly_higher(
        (last_shown.return_mean, last_shown.return_std), (earlier_shown.return_mean, earlier_shown.return_std), episodes
    )
