"""The rollout policy for a pixel env: the same interface as ``NumpyPolicy``, computed by torch.

A CNN in numpy would cost far more than torch's dispatch (the reason vector envs use numpy;
see ``core.rl.numpy_policy``), so a pixel env's rollouts, evaluations and replays run its
``ActorCritic`` in torch, on the CPU, one thread, without gradients, and draw the actions from
the caller's numpy generator exactly as the numpy policy does.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from core.envs.registry import EnvSpec
from core.rl.nets import ActorCritic
from core.rl.numpy_policy import sample_actions


class TorchPolicy:
    """pi(a|s) and V(s) of an ``ActorCritic`` state dict; obs (B, input_dim) in, numpy out."""

    def __init__(self, state: Mapping[str, np.ndarray], spec: EnvSpec) -> None:
        # A pixel actor is (encoder, Linear(features, hidden), Tanh, Linear(hidden, out)).
        hidden = int(np.asarray(state["actor.1.weight"]).shape[0])
        self.net = ActorCritic(spec, hidden)
        self.net.load_state_dict({key: torch.as_tensor(np.asarray(value)) for key, value in state.items()})
        self.net.eval()
        self.log_std = None if spec.is_discrete else np.asarray(state["log_std"], dtype=np.float32)

    def _tensor(self, obs: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(obs))

    @torch.no_grad()
    def value(self, obs: np.ndarray) -> np.ndarray:
        """V(s): (B,) float32."""
        return self.net.value(self._tensor(obs)).numpy()

    @torch.no_grad()
    def act(
        self, obs: np.ndarray, rng: np.random.Generator, deterministic: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sample (or take the mode of) actions: actions, log pi(a|s) and V(s), each with batch B first."""
        x = self.net.obs_norm(self._tensor(obs))
        out = self.net.actor(x).numpy()
        values = self.net.critic(x).squeeze(-1).numpy()
        return sample_actions(out, values, self.log_std, rng, deterministic)
