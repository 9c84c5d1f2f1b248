"""When a run is done: its policy plays as well as the demos and has stopped getting better.

What a person waits for is a policy that plays as well as they did, not a number of steps, and a
GAIL run imitating a person does not improve for ever: its score wanders once D has nothing left
to teach. So a run evaluates its policy every ``eval_every_iters`` iterations (``eval_episodes``
episodes deterministic and as many sampling its actions, on seeds of their own each time) and
feeds each evaluation to ``StoppingRule``:

- **as good as the demos**: the mean return of the last ``WINDOW`` evaluations pooled (the better
  of the two ways of acting) is at least the demos' mean return less ``MARGIN_Z`` standard errors
  of the difference (the demos are few episodes, an evaluation few more: both are noisy);
- **stopped improving**: no evaluation in the last ``PATIENCE`` has beaten the best one so far.

Once the first has held it stays reached (a run that then wanders below the demos is still past
them at its best, which the run's end can settle on); when the second holds too, the run is done.
With ``stop_when_done`` (the default) it stops there, a finished run like any other, else it
trains on to ``total_steps``. Either way the rule remembers the best
evaluation, and the run's end settles on that earlier policy when it plays clearly better than the
last (``core.train.best_policy``).

The constants were chosen by replaying saved runs' timelines (every snapshot evaluated as the run
would have, which gives exactly what the rule would have done: evaluations do not change training)
on the development half of the benchmark's simulated people and on seed 0 of the sample-demo
LunarLander cases, never on the held-out people or the other seeds. A window of 3 evaluations with
a patience of 4 stopped the sample-demo lander at 0.881 where training on gave 0.919 (a lucky
window of 15 episodes); 4 and 6 leave it training to its total and stop the people's runs at about
half their steps with the same scores (docs/benchmarks.md has the figures).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WINDOW = 4  # evaluations pooled for "as good as the demos"
PATIENCE = 6  # evaluations without a new best that mean "stopped improving"
MARGIN_Z = 0.5  # standard errors of the difference granted to the noise


@dataclass(frozen=True)
class Evaluation:
    """One periodic evaluation: where the run was and the returns of each way of acting."""

    progress: int  # env steps (BC: epochs)
    deterministic: tuple[float, ...]
    sampled: tuple[float, ...]

    def best_mean(self) -> float:
        """The mean return of its better way of acting."""
        return max(float(np.mean(self.deterministic)), float(np.mean(self.sampled)))


@dataclass(frozen=True)
class Verdict:
    """What one evaluation changed: a new best (keep this policy), and whether the run is done."""

    new_best: bool
    done: bool


def standard_error(returns: Sequence[float]) -> float:
    """The standard error of the mean of ``returns`` (0 for none)."""
    return float(np.std(returns)) / math.sqrt(len(returns)) if len(returns) else 0.0


class StoppingRule:
    """Judges a run's periodic evaluations against its demos' returns (see the module's doc)."""

    def __init__(self, demo_returns: Sequence[float]) -> None:
        if not demo_returns:
            raise ValueError("the stopping rule needs the demos' returns")
        self.target = float(np.mean(demo_returns))
        self.target_error = standard_error(demo_returns)
        self.best: Evaluation | None = None
        self.reached_at: int | None = None  # progress of the first evaluation as good as the demos
        self.done_at: int | None = None
        self._recent: deque[Evaluation] = deque(maxlen=WINDOW)
        self._since_best = 0

    def add(self, evaluation: Evaluation) -> Verdict:
        """Judge one more evaluation, in the run's order."""
        self._recent.append(evaluation)
        new_best = self.best is None or evaluation.best_mean() > self.best.best_mean()
        if new_best:
            self.best, self._since_best = evaluation, 0
        else:
            self._since_best += 1
        if self.reached_at is None and self._as_good_as_demos():
            self.reached_at = evaluation.progress
        if self.done_at is None and self.reached_at is not None and self._since_best >= PATIENCE:
            self.done_at = evaluation.progress
        return Verdict(new_best, self.done_at is not None)

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def recent_score(self) -> tuple[float, float]:
        """The pooled mean return of the last evaluations and its standard error (the better way of acting)."""
        pooled = [
            [r for evaluation in self._recent for r in getattr(evaluation, way)] for way in ("deterministic", "sampled")
        ]
        mean, returns = max((float(np.mean(p)), p) for p in pooled)
        return mean, standard_error(returns)

    def _as_good_as_demos(self) -> bool:
        mean, error = self.recent_score()
        return mean >= self.target - MARGIN_Z * math.hypot(error, self.target_error)

    def reason(self, unit: str) -> str:
        """The plain-words reason a done run stopped, for the CLI's and the Train view's last lines."""
        assert self.done_at is not None and self.reached_at is not None
        return (
            f"done: the policy reached your demos' level (return {self.target:.1f}) at {self.reached_at:,} "
            f"{unit}, and no evaluation has beaten its best for the last {PATIENCE}"
        )
