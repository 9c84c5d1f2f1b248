"""From D's verdicts to the rewards GAE sees: per-step rewards, the absorbing state's value after
each real ending, and the running reward scale.

Opt-in, the env's own reward joins the imitation reward: w_imitation * u + w_env * r_env (the
absorbing state, which the env knows nothing of, is worth w_imitation times its imitation value),
and the scale is then that of the mixed returns.

The absorbing state (DAC) follows a real termination, never a time-limit cut: its reward comes
from D on the state the episode ended in when D judges endings, or else from the closed form for
a single absorbing point. Its value is that reward / (1 - gamma), which enters GAE as the value
after the ending.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from core.rl import gail
from core.rl.gae import RolloutBuffer
from core.rl.nets import Discriminator
from core.rl.reward_forms import RewardForm

LOGIT_99 = math.log(0.99 / 0.01)  # D kept in [0.01, 0.99] where it values the absorbing state


@dataclass(frozen=True, kw_only=True)  # by name: a dozen numbers in a row are easily swapped
class RewardSettings:
    reward: RewardForm  # the form of D (core.rl.reward_forms)
    gamma: float
    absorbing: bool
    judges_endings: bool
    normalize: bool
    imitation_weight: float = 1.0
    env_weight: float = 0.0  # 0: pure imitation


class ImitationRewards:
    """Holds what carries over between iterations: the running variance of discounted imitation
    returns (the scale), each env's return so far, and the policy's smoothed absorbing share."""

    def __init__(self, settings: RewardSettings, expert_absorbing_share: float, num_envs: int) -> None:
        self.settings = settings
        self.expert_absorbing_share = expert_absorbing_share
        self.return_var = 1.0  # running variance of discounted imitation returns
        self.policy_absorbing_share = expert_absorbing_share  # smoothed; starts neutral
        self._returns = np.zeros(num_envs)

    def state(self) -> dict[str, float]:
        """What a checkpoint keeps."""
        return {"reward_return_var": self.return_var, "policy_absorbing_share": self.policy_absorbing_share}

    def restore(self, state: dict) -> None:
        self.return_var = float(state.get("reward_return_var", 1.0))
        self.policy_absorbing_share = float(state.get("policy_absorbing_share", self.expert_absorbing_share))

    def rewards(
        self,
        disc: Discriminator,
        policy_logits: torch.Tensor,
        buffer: RolloutBuffer,
        end_obs: torch.Tensor,
        end_index: np.ndarray,
    ) -> tuple[torch.Tensor, float | torch.Tensor, dict[str, float]]:
        """The per-step rewards (T, N) and the absorbing value (a (T, N) tensor, one number, or 0)
        on the CPU, scaled alike, and what to report of them.

        policy_logits: (T * N,) D's logits on the batch's pairs; end_obs (K, obs_dim) and
        end_index (K, 2): the states episodes really ended in and their (step, env); the buffer's
        rewards are still the env's.
        """
        settings = self.settings
        scalars: dict[str, float] = {}
        rewards = gail.imitation_reward(policy_logits, settings.reward)
        absorbing_value: float | torch.Tensor = 0.0
        if settings.absorbing:
            if settings.judges_endings:
                ending_rewards = self._ending_rewards(disc, end_obs)
                absorbing_value = torch.zeros(buffer.rewards.shape)
                t, n = torch.from_numpy(end_index).T
                absorbing_value[t, n] = ending_rewards / (1.0 - settings.gamma)  # gamma < 1: TrainConfig
                scalars["absorbing_reward"] = float(ending_rewards.mean()) if len(ending_rewards) else 0.0
            else:
                n_terminal = int(buffer.terminated.sum())
                absorbing_reward = self._absorbing_reward(n_terminal / (len(policy_logits) + n_terminal))
                absorbing_value = absorbing_reward / (1.0 - settings.gamma)
                scalars["absorbing_reward"] = absorbing_reward
        rewards = rewards.view_as(buffer.rewards).cpu()
        scalars["imitation_reward"] = float(rewards.mean())
        if settings.env_weight > 0.0 or settings.imitation_weight != 1.0:
            rewards = settings.imitation_weight * rewards + settings.env_weight * buffer.rewards.float()
            absorbing_value = settings.imitation_weight * absorbing_value
            scalars["mixed_reward"] = float(rewards.mean())
        if settings.normalize:
            scale = self._scale(rewards, buffer)
            rewards, absorbing_value = rewards / scale, absorbing_value / scale
        return rewards, absorbing_value, scalars

    def _scale(self, rewards: torch.Tensor, buffer: RolloutBuffer) -> float:
        """Running std of discounted imitation returns (as in VecNormalize's reward scaling).

        The absorbing state's value is left out of these statistics on purpose and divided by the
        same scale: it is a terminal value (r_absorbing / (1 - gamma)) that enters GAE at an
        ending, not a per-step reward; counted in, its size (up to 100x a step's reward) would set
        the scale whenever an episode ends and shrink every step's reward with it.
        """
        returns_seen = []
        done = torch.logical_or(buffer.terminated, buffer.truncated).numpy()
        for step in range(rewards.shape[0]):
            self._returns = self._returns * self.settings.gamma + rewards[step].numpy()
            returns_seen.append(self._returns.copy())
            self._returns[done[step]] = 0.0
        batch_var = float(np.var(np.concatenate(returns_seen)))
        self.return_var = 0.9 * self.return_var + 0.1 * batch_var
        return math.sqrt(self.return_var + 1e-8)

    def _absorbing_reward(self, policy_absorbing_share: float) -> float:
        """The imitation reward in the absorbing state that follows a real termination (DAC).

        The absorbing state is a single point, so the optimal D there has a closed form: the
        expert's share of absorbing samples over the sum of both shares, D = f_E / (f_E + f_pi).
        Demos that never terminate (CartPole at its time limit) make ending an episode cost
        ln 0.01 per step forever; demos that land make landing as good as the policy's landings
        are frequent. The policy's share is smoothed over iterations; D is kept in [0.01, 0.99].
        """
        self.policy_absorbing_share = 0.9 * self.policy_absorbing_share + 0.1 * policy_absorbing_share
        expert, policy = self.expert_absorbing_share, self.policy_absorbing_share
        d_absorbing = expert / (expert + policy) if expert + policy > 0 else 0.5
        d_absorbing = min(max(d_absorbing, 0.01), 0.99)
        logit = math.log(d_absorbing / (1 - d_absorbing))
        return float(gail.imitation_reward(torch.tensor([logit]), self.settings.reward).item())

    def _ending_rewards(self, disc: Discriminator, end_obs: torch.Tensor) -> torch.Tensor:
        """The imitation reward in the absorbing state after each ending, from D_end of the state
        the episode ended in (kept in [0.01, 0.99] like the closed form): (K,) on the CPU."""
        with torch.no_grad():
            logits = disc.ending_logits(end_obs).clamp(-LOGIT_99, LOGIT_99)
        return gail.imitation_reward(logits, self.settings.reward).cpu()
