"""The demos as the trainer uses them: flat tensors on its device, and what D needs of endings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.data.demo_set import DemoSet
from core.envs.registry import EnvSpec


@dataclass(frozen=True)
class ExpertData:
    obs: torch.Tensor  # (M, obs_dim) float32 (a pixel env's uint8): every demo state an action was taken in
    actions: torch.Tensor  # (M,) int64 or (M, act_dim) float32
    end_obs: torch.Tensor  # (K, obs_dim): the states the terminated demo episodes ended in (D_end's positives)
    absorbing_share: float  # share of expert samples that are the absorbing state: one per terminated episode

    @classmethod
    def from_demos(
        cls, demos: DemoSet, spec: EnvSpec, device: torch.device, failed_endings_are_expert: bool = False
    ) -> ExpertData:
        """With ``failed_endings_are_expert`` False, a demo that ended badly (a crash: see
        ``core.envs.endings``) still gives its steps, but its ending is not one D learns to call
        expert: the person meant to land, not to crash. A correction gives the steps the person
        acted in, and its ending only when the person acted last."""
        expert_obs, expert_actions = demos.transitions()
        obs = torch.as_tensor(expert_obs, device=device)  # float32, or a pixel env's uint8
        actions = torch.as_tensor(expert_actions, device=device)
        actions = actions.long() if spec.is_discrete else actions.float()
        ended = [
            episode
            for episode in demos.episodes
            if episode.meta.terminated
            and episode.ending_demonstrated
            and (failed_endings_are_expert or not episode.ending.failed)
        ]
        n_terminal = len(ended)
        ends = [spec.policy_inputs(episode.observations)[-1] for episode in ended]
        end_obs = torch.as_tensor(
            np.array(ends, dtype=spec.input_dtype).reshape(len(ends), obs.shape[1]), device=device
        )
        return cls(obs, actions, end_obs, n_terminal / (len(expert_obs) + n_terminal))
