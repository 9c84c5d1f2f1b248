"""How expert-like a run's discriminator finds each demo: the person's guide to their own data.

D is trained to tell the demos from the policy, so it learns what the demos have in common. A
demo it scores low is one unlike the rest: a crash among landings, a slip that went on, a
different way of playing. Such a demo still trains (nothing is decided for the person), but it
is flagged so that they can replay it with D along the episode and decide whether to untick it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.data.demo_set import DemoSet
from core.data.episode import Episode
from core.errors import StudioError
from core.rl.nets import Discriminator
from core.train.runs.run_dir import RunDir

# A demo is flagged when its score lies this many robust standard deviations (1.4826 x the
# median absolute deviation) below the demos' median, and at least MIN_GAP below it: D's scores
# of ten similar demos differ by a few hundredths, which is no reason to worry anyone.
FLAG_DEVIATIONS = 2.0
MIN_GAP = 0.05
MIN_DEMOS_TO_FLAG = 3


@dataclass(frozen=True)
class DemoScore:
    """D's verdict on one demo: the mean of D(s_t, a_t) over its steps, and every step's value."""

    name: str
    score: float  # in (0, 1): 1 = exactly what D has learned the demos look like
    per_step: np.ndarray  # D(s_t, a_t) for t = 0 .. length-1
    flagged: bool = False  # well below the other demos (see FLAG_DEVIATIONS)


@torch.no_grad()
def step_scores(disc: Discriminator, episode: Episode) -> np.ndarray:
    """D(s_t, a_t) at every step of ``episode`` (the ending's absorbing state is not a step)."""
    obs = torch.as_tensor(episode.spec.policy_inputs(episode.observations[:-1]))
    actions = torch.as_tensor(np.asarray(episode.actions))
    return torch.sigmoid(disc(obs, actions)).numpy().astype(np.float64)


def score_demos(disc: Discriminator, demos: DemoSet) -> list[DemoScore]:
    """Every demo's score, with the ones unlike the rest flagged."""
    scores = []
    for episode in demos.episodes:
        per_step = step_scores(disc, episode)[episode.demonstrated]  # a correction: the person's steps
        scores.append(DemoScore(episode.path.name if episode.path else "?", float(per_step.mean()), per_step))
    return _flag(scores)


def score_with_run(run: RunDir, demos: DemoSet) -> list[DemoScore] | None:
    """``score_demos`` with the run's latest D; None when the run has no D (behaviour cloning)."""
    disc = run.load_discriminator()
    if disc is None or run.config().env != demos.env_key:
        return None
    disc.eval()
    return score_demos(disc, demos)


def _flag(scores: list[DemoScore]) -> list[DemoScore]:
    if len(scores) < MIN_DEMOS_TO_FLAG:
        return scores
    values = np.array([s.score for s in scores])
    median = float(np.median(values))
    spread = 1.4826 * float(np.median(np.abs(values - median)))
    threshold = median - max(MIN_GAP, FLAG_DEVIATIONS * spread)
    return [DemoScore(s.name, s.score, s.per_step, s.score < threshold) for s in scores]


def latest_run_on(run_dirs: list[Path], folder: Path) -> RunDir | None:
    """The newest GAIL run (of ``run_dirs``, newest first) that trained on ``folder`` and has a checkpoint."""
    wanted = Path(folder).resolve()
    for path in run_dirs:
        run = RunDir(path)
        try:
            summary = run.demo_summary()
            trained_on = summary.folder if summary is not None else ""
            if trained_on and Path(trained_on) == wanted and run.latest_checkpoint() and run.config().algo == "gail":
                return run
        except StudioError:
            continue  # a broken run folder says nothing about these demos
    return None
