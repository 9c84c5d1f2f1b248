"""A rollout batch as tensors, and the correction for one collected by an older policy.

With a rollout process the batch was collected by the policy of one update ago. Then, as in
decoupled PPO, the current policy becomes the one ratios are taken against (log pi and V are
re-evaluated with it, time-limit bootstraps included) and each sample is weighted by
pi_now / pi_behaviour, capped at ``MAX_SAMPLE_WEIGHT`` so that a rare action cannot dominate a
minibatch.
"""

from __future__ import annotations

import torch

from core.rl.gae import RolloutBuffer
from core.rl.nets import ActorCritic
from core.train.env_runner import RolloutBatch

MAX_SAMPLE_WEIGHT = 2.0  # cap on pi_now / pi_behaviour


def as_buffer(batch: RolloutBatch) -> RolloutBuffer:
    """The batch's arrays as tensors (no copy); the rewards are the env's until D's replace them."""
    return RolloutBuffer(
        obs=torch.from_numpy(batch.obs),
        actions=torch.from_numpy(batch.actions),
        logp=torch.from_numpy(batch.logp),
        values=torch.from_numpy(batch.values),
        next_values=torch.from_numpy(batch.next_values),
        rewards=torch.from_numpy(batch.env_rewards),
        terminated=torch.from_numpy(batch.terminated),
        truncated=torch.from_numpy(batch.truncated),
    )


def reevaluate(buffer: RolloutBuffer, batch: RolloutBatch, policy: ActorCritic) -> torch.Tensor:
    """Re-evaluate ``buffer`` in place with ``policy`` (the current one); returns the capped
    importance weights pi_now / pi_behaviour, (T * N,) on the CPU."""
    with torch.no_grad():
        obs = buffer.flat("obs")
        logp_now = policy.log_prob(policy.distribution(obs), buffer.flat("actions")).view_as(buffer.logp)
        values = policy.value(obs).view_as(buffer.values)
        last_values = policy.value(torch.from_numpy(batch.last_obs))
        # The bootstrap value at a time-limit cut too, from the state the episode was cut off
        # in: every value of the batch then comes from the same (current) critic.
        cut_values = policy.value(torch.from_numpy(batch.cut_obs)) if len(batch.cut_obs) else None
    weights = torch.exp(logp_now - buffer.logp).clamp(max=MAX_SAMPLE_WEIGHT).reshape(-1)
    buffer.logp, buffer.values = logp_now, values
    buffer.next_values = torch.cat([values[1:], last_values.unsqueeze(0)])
    if cut_values is not None:
        t, n = torch.from_numpy(batch.cut_index).T
        buffer.next_values[t, n] = cut_values
    return weights
