"""Play a trained policy in a rendered env, one step at a time, scoring each step with D.

The Watch view drives it from a timer; it is plain Python + torch, so tests and scripts can
use it without Qt. Weights come from a ``PolicySnapshot`` or a run folder's checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.envs.registry import get_spec, render_rgb
from core.rl.nets import ActorCritic, Discriminator
from core.train.runs.run_dir import RunDir
from core.train.settings.config import TrainConfig
from core.train.settings.rule_settings import judges_endings
from core.train.settings.seeds import WATCH_SEED_BASE


@dataclass(frozen=True)
class PlayStep:
    t: int  # index of the action just taken
    frame: np.ndarray
    reward: float
    disc_value: float  # D(s_t, a_t) in (0, 1): 1 = looks like the expert
    episode_return: float
    done: bool
    observation: np.ndarray  # after the step
    terminated: bool  # a real ending, not the time limit


def _as_tensors(state: dict) -> dict[str, torch.Tensor]:
    return {key: torch.as_tensor(np.asarray(value)) for key, value in state.items()}


class PolicyPlayer:
    """One rendered env played by a policy (CPU), with D's verdict on every step."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.spec = get_spec(config.env)
        self.policy = ActorCritic(self.spec, config.hidden_size, config.normalize_obs)
        self.disc = Discriminator(self.spec, config.disc_hidden_size, config.normalize_obs, judges_endings(config))
        self.env = self.spec.make(render_mode="rgb_array")
        self.deterministic = True
        self.episode = 0
        self.t = -1
        self.episode_return = 0.0
        self.has_disc = False
        self._obs: np.ndarray | None = None
        self._inputs = self.spec.input_stream()  # what the networks see of the env's observations
        self._input = np.zeros(0, np.float32)
        self.seed = WATCH_SEED_BASE  # the current episode's reset seed
        self.start_observation: np.ndarray | None = None

    @classmethod
    def from_run(cls, run_dir: Path) -> tuple[PolicyPlayer, dict]:
        """A player with the run's latest checkpoint loaded, and the checkpoint's state."""
        # CheckpointError when the checkpoint is unreadable or its weights do not fit the config.
        policy, disc, config, state = RunDir(Path(run_dir)).load_networks()
        player = cls(config)
        player.policy = policy
        if disc is not None:
            player.disc, player.has_disc = disc, True
        return player, state

    def load(self, policy_state: dict, disc_state: dict | None = None) -> None:
        self.policy.load_state_dict(_as_tensors(policy_state))
        self.has_disc = bool(disc_state)
        if disc_state:
            self.disc.load_state_dict(_as_tensors(disc_state))

    def reset(self, seed: int | None = None) -> np.ndarray:
        """Start the next episode (from ``seed``, e.g. a demo's, to start where it did); its first frame."""
        self.seed = WATCH_SEED_BASE + self.episode if seed is None else seed
        self._obs, _ = self.env.reset(seed=self.seed)
        self._input = self._inputs.reset(self._obs)
        self.start_observation = self._obs
        self.episode += 1
        self.t = -1
        self.episode_return = 0.0
        return render_rgb(self.env)

    @property
    def started(self) -> bool:
        return self._obs is not None

    @torch.no_grad()
    def step(self) -> PlayStep:
        if self._obs is None:
            self.reset()
        obs = torch.as_tensor(self._input.reshape(1, -1))
        action, _, _ = self.policy.act(obs, deterministic=self.deterministic)
        disc_value = float(torch.sigmoid(self.disc(obs, action))[0]) if self.has_disc else float("nan")
        env_action = self.spec.check_action(action[0].numpy())
        self._obs, reward, terminated, truncated, _ = self.env.step(env_action)
        self._input = self._inputs.push(self._obs)
        self.t += 1
        self.episode_return += float(reward)
        done = bool(terminated or truncated)
        frame = render_rgb(self.env)
        observation = self._obs
        if done:
            self._obs = None
        return PlayStep(
            self.t, frame, float(reward), disc_value, self.episode_return, done, observation, bool(terminated)
        )

    def close(self) -> None:
        self.env.close()
