"""The policy of a run's best periodic evaluation, kept so that the run's end can settle on it.

GAIL imitating a person does not improve monotonically: once D has little left to teach, the
policy's score wanders, and the last policy can play worse than one a few evaluations earlier (as
SB3's EvalCallback keeps a best model). The stopping rule (``core.train.stopping``) says which
evaluation was the best; this keeps that policy's weights (tens of kilobytes, in memory) and, at
the end, plays it on the final evaluation's episodes beside the last one. When it plays clearly
better (``core.train.runs.shown_policy.earlier_plays_better``) the run's policy becomes that one
and the last checkpoint is written again with it (the timeline keeps the last policy at its own
step): ``evaluate``, the Watch view, Coach and every export then use the same policy, and
``final_eval.json`` says where it is from and what the last one scored. A resumed run continues
from it (with the last policy's optimizer moments and D), and judges its own evaluations afresh.
"""

from __future__ import annotations

import copy
import dataclasses

import torch

from core.envs.registry import EnvSpec
from core.rl.nets import ActorCritic
from core.train.evaluate import final_evaluation
from core.train.runs.records import FinalEval
from core.train.runs.shown_policy import earlier_plays_better, shown_policy


class BestPolicy:
    """The weights of the best evaluation so far (CPU copies), and where the run was then."""

    def __init__(self) -> None:
        self.progress: int | None = None
        self._state: dict[str, torch.Tensor] | None = None

    def keep(self, progress: int, policy: ActorCritic) -> None:
        self.progress = progress
        self._state = {key: value.detach().cpu().clone() for key, value in policy.state_dict().items()}

    def settle(self, policies: list[ActorCritic], spec: EnvSpec, last: FinalEval, end: int) -> FinalEval:
        """The final evaluation of the policy the run keeps: ``last`` (the last policy's, at progress
        ``end``), or the kept one's when it plays clearly better, in which case every policy of
        ``policies`` (the run's network, and its CPU copy when there is one) takes its weights."""
        if self._state is None or self.progress is None or self.progress >= end:
            return last
        candidate = copy.deepcopy(policies[0]).cpu()
        candidate.load_state_dict(self._state)
        earlier = final_evaluation(candidate, spec)
        if not earlier_plays_better(last, earlier):
            return last
        for policy in policies:
            policy.load_state_dict(self._state)  # copied onto each network's own device
        return dataclasses.replace(
            earlier, earlier_policy_at=self.progress, last_shown_return=shown_policy(last).return_mean
        )


def kept_policy_words(final: FinalEval, unit: str) -> str | None:
    """The sentence that says a run settled on an earlier policy (train's last lines, the Train view,
    evaluate); None when its policy is its last."""
    if final.earlier_policy_at is None:
        return None
    last = f" (return {final.last_shown_return:.1f})" if final.last_shown_return is not None else ""
    return (
        f"The run keeps its policy of {final.earlier_policy_at:,} {unit}: it plays clearly better than "
        f"its last one{last}."
    )
