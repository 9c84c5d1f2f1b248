"""Scripted experts: hand-written controllers that play the supported envs well.

They make the bundled sample demonstrations and the benchmark's demo sets, and give the Record
view a level to compare a person against. ``ImperfectExpert`` adds the two ways people differ
from a script: random slips and a reaction delay.

Most experts act on the observation (``CONTROLLERS``). Where the observation does not show what a
script needs (CarRacing's pixels), the expert reads the env's own state instead
(``STATE_EXPERTS``: what to read, and how to act on it); such an expert is bound to the env it
plays before its first reset, ``expert.bind(env)``, which every player takes and the observation
experts ignore.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.envs.box2d.lunar_lander import heuristic as lunar_lander_heuristic

from core.envs.car_driver import CarDriver, read_car_state
from core.envs.registry import Action, EnvSpec, get_spec
from core.errors import EnvError

# A controller maps one observation to one action; none of ours needs memory.
Controller = Callable[[np.ndarray], Action]


class _ContinuousFlag:
    """Stands in for the env in gymnasium's heuristic, which only reads ``unwrapped.continuous``."""

    def __init__(self, continuous: bool) -> None:
        self.unwrapped = self
        self.continuous = continuous


def lunar_lander_discrete(obs: np.ndarray) -> int:
    """gymnasium's LunarLander heuristic: point towards the pad, hover lower as it nears."""
    return int(lunar_lander_heuristic(_ContinuousFlag(False), obs))


def lunar_lander_continuous(obs: np.ndarray) -> np.ndarray:
    """The same heuristic with continuous throttle and lateral engines."""
    return np.asarray(lunar_lander_heuristic(_ContinuousFlag(True), obs), dtype=np.float32)


def cartpole(obs: np.ndarray) -> int:
    """A linear controller: push towards where the pole falls, with damping and centring terms."""
    x, x_dot, theta, theta_dot = obs
    return int(theta + 0.5 * theta_dot + 0.05 * x + 0.2 * x_dot > 0)


def mountain_car(obs: np.ndarray) -> int:
    """Energy pumping: always accelerate in the direction the car already moves."""
    velocity = obs[1]
    return 2 if velocity >= 0 else 0


def acrobot(obs: np.ndarray) -> int:
    """Energy pumping: torque the joint in the direction it already turns."""
    joint_velocity = obs[5]
    return 2 if joint_velocity > 0 else 0


CONTROLLERS: dict[str, Controller] = {
    "LunarLander-v3": lunar_lander_discrete,
    "LunarLanderContinuous-v3": lunar_lander_continuous,
    "CartPole-v1": cartpole,
    "MountainCar-v0": mountain_car,
    "Acrobot-v1": acrobot,
}


@dataclass(frozen=True)
class StateExpert:
    """An expert that steers by the env's state: ``read`` takes what it needs from the env at a
    step (a snapshot, so that a delayed expert can act on an old one), ``drive`` acts on it."""

    read: Callable[[gym.Env], Any]
    drive: Callable[[Any], Action]


STATE_EXPERTS: dict[str, StateExpert] = {
    "CarRacing-v3": StateExpert(read_car_state, CarDriver()),
}

EXPERT_ENVS = (*CONTROLLERS, *STATE_EXPERTS)  # every env with a scripted expert


class ImperfectExpert:
    """A controller that reacts late and sometimes slips, like a person.

    With ``delay_steps = K`` the action at step t is computed from the observation of step
    t - K (the first K steps act on the reset observation); a state expert's, from the env's state
    of step t - K. With probability ``noise`` the action is replaced by a uniformly random one.
    """

    def __init__(self, spec: EnvSpec, noise: float = 0.0, delay_steps: int = 0, seed: int | None = None) -> None:
        if spec.key not in EXPERT_ENVS:
            raise EnvError(f"no scripted expert for {spec.key}; experts exist for: {', '.join(EXPERT_ENVS)}")
        if not 0.0 <= noise <= 1.0:
            raise EnvError(f"noise must be a probability in [0, 1], got {noise}")
        if delay_steps < 0:
            raise EnvError(f"delay must be >= 0 steps, got {delay_steps}")
        self.spec = spec
        self.state_expert = STATE_EXPERTS.get(spec.key)
        self.controller: Callable[[Any], Action] = (
            self.state_expert.drive if self.state_expert is not None else CONTROLLERS[spec.key]
        )
        self.noise = noise
        self.delay_steps = delay_steps
        self._rng = np.random.default_rng(seed)
        self._env: gym.Env | None = None
        self._seen: deque[Any] = deque(maxlen=delay_steps + 1)  # what the controller reads

    @property
    def description(self) -> str:
        """A short name for demo metadata, e.g. ``scripted:CartPole-v1 noise=0.2 delay=2``."""
        text = f"scripted:{self.spec.key}"
        if self.noise or self.delay_steps:
            text += f" noise={self.noise:g} delay={self.delay_steps}"
        return text

    def bind(self, env: gym.Env) -> None:
        """Play ``env``: a state expert reads its state from it; an observation's needs nothing."""
        self._env = env

    def reset(self, obs: np.ndarray) -> None:
        """Start an episode from its reset observation (a bound env: after its reset)."""
        self._seen.clear()
        self._seen.extend([self._reading(obs)] * (self.delay_steps + 1))

    def act(self, obs: np.ndarray) -> Action:
        """The action for the current observation (seen through the reaction delay)."""
        self._seen.append(self._reading(obs))
        if self.noise and self._rng.random() < self.noise:
            return self._random_action()
        return self.controller(self._seen[0])

    def _reading(self, obs: np.ndarray) -> Any:
        """What the controller acts on now: the observation, or the bound env's state."""
        if self.state_expert is None:
            return obs
        if self._env is None:
            raise EnvError(f"the {self.spec.key} expert steers by the env's state: bind(env) it before reset")
        return self.state_expert.read(self._env)

    def _random_action(self) -> Action:
        if self.spec.is_discrete:
            return int(self._rng.integers(self.spec.n_actions))
        return self._rng.uniform(self.spec.action_low, self.spec.action_high).astype(np.float32)


def make_expert(env_key: str, noise: float = 0.0, delay_steps: int = 0, seed: int | None = None) -> ImperfectExpert:
    """The scripted expert for ``env_key``; a perfect one unless noise or delay is given."""
    return ImperfectExpert(get_spec(env_key), noise=noise, delay_steps=delay_steps, seed=seed)
