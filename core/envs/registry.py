"""The registry of supported environments and how a held keyboard maps to their actions.

Key names are plain strings ("Left", "Up", "A", ...) so that this module knows no GUI toolkit;
the Record view translates its toolkit's key codes into these names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import gymnasium as gym
import numpy as np

from core.envs.pixel_inputs import InputStack, PixelInputs, PixelInputWrapper, VectorInputs
from core.errors import EnvError

ActionKind = Literal["discrete", "continuous"]
# A discrete action is an index; a continuous one is a float vector.
Action = int | np.ndarray

# Arrow keys and their WASD twins: every key map lists both.
WASD_TWIN = {"Left": "A", "Right": "D", "Up": "W", "Down": "S"}
# What a player reaches for to start moving, whether or not this env maps each of them.
GAME_KEYS = frozenset(WASD_TWIN) | frozenset(WASD_TWIN.values())


@dataclass(frozen=True)
class PathAxes:
    """The two state dimensions the Watch view draws an episode's path through, and their names."""

    x_dim: int
    y_dim: int
    x_label: str
    y_label: str


# For an env that names none (any vector observation has these two).
GENERIC_PATH_AXES = PathAxes(0, 1, "state dimension 0", "state dimension 1")


@dataclass(frozen=True)
class EnvSpec:
    """One supported environment: how to build it and how a person plays it.

    Discrete key maps give each key an action index; ``idle_actions`` is the cycle of actions
    taken while no mapped key is held (one entry for a true no-op). Continuous key maps give each
    key the action dimensions it sets, ``{dim: value}``, applied over ``idle_vector``.
    """

    key: str  # registry key; also the folder name of the env's demo sets
    gym_id: str
    gym_kwargs: Mapping[str, Any]
    display_name: str
    hint: str
    action_kind: ActionKind
    obs_shape: tuple[int, ...]
    fps: int  # the env's native render rate
    max_episode_steps: int
    key_actions: Mapping[str, Any]
    action_names: tuple[str, ...] = ()  # discrete: one name per action index
    n_actions: int = 0  # discrete only
    idle_actions: tuple[int, ...] = ()  # discrete only
    action_low: tuple[float, ...] = ()  # continuous only
    action_high: tuple[float, ...] = ()
    idle_vector: tuple[float, ...] = ()
    pixels: PixelInputs | None = None  # a pixel env: how its frames become the networks' input
    idle_note: str = ""  # what happens when no key is held, for the legend and the docs
    legend: tuple[tuple[str, str], ...] = field(default=())  # (keys, effect) rows
    path_axes: PathAxes = GENERIC_PATH_AXES  # where the Watch view draws paths

    @property
    def is_discrete(self) -> bool:
        return self.action_kind == "discrete"

    @property
    def action_dim(self) -> int:
        """Length of a continuous action vector; 1 for discrete actions (one index)."""
        return len(self.action_low) if not self.is_discrete else 1

    @property
    def input_dim(self) -> int:
        """Length of the flat vector the networks take: the observation, or a pixel env's input."""
        return self.pixels.input_dim if self.pixels is not None else int(np.prod(self.obs_shape))

    @property
    def input_dtype(self) -> type[np.generic]:
        """uint8 for a pixel env's input (kept so up to the network), float32 for a vector."""
        return np.uint8 if self.pixels is not None else np.float32

    def make(self, render_mode: str | None = None) -> gym.Env:
        """Build the gymnasium env, with its time limit, optionally rendering to rgb arrays."""
        return gym.make(self.gym_id, render_mode=render_mode, **dict(self.gym_kwargs))

    def make_for_policy(self, render_mode: str | None = None) -> gym.Env:
        """The env as a policy plays it: a pixel env's observations are its input, not frames."""
        env = self.make(render_mode)
        return PixelInputWrapper(env, self.pixels) if self.pixels is not None else env

    def latest_input(self, observations: Sequence[np.ndarray]) -> np.ndarray:
        """The networks' input at the newest of an episode's observations so far (input_dim,)."""
        if self.pixels is None:
            return np.asarray(observations[-1], dtype=np.float32).reshape(-1)
        recent = np.asarray(observations[-self.pixels.history_length() :])
        return self.pixels.episode_inputs(recent)[-1]

    def input_stream(self) -> InputStack | VectorInputs:
        """For a loop that steps one raw env: ``reset(obs)``, then ``push(obs)`` each step, give
        the networks' input (a pixel env's stacked frames; a vector env's observation)."""
        return InputStack(self.pixels) if self.pixels is not None else VectorInputs()

    def policy_inputs(self, observations: np.ndarray) -> np.ndarray:
        """One episode's recorded observations (T, *obs_shape) -> the networks' inputs (T, input_dim)."""
        if self.pixels is not None:
            return self.pixels.episode_inputs(observations)
        return np.asarray(observations, dtype=np.float32).reshape(len(observations), -1)

    def check_action(self, action: Any) -> Action:
        """Return ``action`` in canonical form (int or float32 vector) or raise EnvError."""
        if self.is_discrete:
            if isinstance(action, np.ndarray) and action.shape in ((), (1,)):
                action = action.reshape(()).item()
            if not isinstance(action, int | np.integer) or not 0 <= int(action) < self.n_actions:
                raise EnvError(f"{self.key}: action {action!r} is not an index in 0..{self.n_actions - 1}")
            return int(action)
        vector = np.asarray(action, dtype=np.float32)
        if vector.shape != (self.action_dim,):
            raise EnvError(f"{self.key}: action shape {vector.shape} is not ({self.action_dim},)")
        if not np.all(np.isfinite(vector)):
            raise EnvError(f"{self.key}: action {vector} is not finite")
        return np.clip(vector, self.action_low, self.action_high).astype(np.float32)

    def key_legend(self) -> list[tuple[str, str]]:
        """Rows of (keys, what they do), idle behaviour last."""
        rows = list(self.legend)
        rows.append(("no key", self.idle_note))
        return rows


def _with_wasd(arrow_map: Mapping[str, Any]) -> dict[str, Any]:
    """Give every arrow key its WASD twin with the same action."""
    full = dict(arrow_map)
    for arrow, action in arrow_map.items():
        full[WASD_TWIN[arrow]] = action
    return full


# The lander's flight seen from the side.
_LUNAR_PATH = PathAxes(0, 1, "x (0 = between the flags)", "height")
_LUNAR_HINT = "Land softly between the flags: Up fires the main engine, Left/Right the side engines."

REGISTRY: dict[str, EnvSpec] = {
    spec.key: spec
    for spec in (
        EnvSpec(
            key="LunarLander-v3",
            gym_id="LunarLander-v3",
            gym_kwargs={},
            display_name="Lunar Lander",
            hint=_LUNAR_HINT,
            action_kind="discrete",
            obs_shape=(8,),
            fps=50,
            max_episode_steps=1000,
            # Measured: action 1 pushes the lander left (and turns it counter-clockwise),
            # 2 fires the main engine, 3 pushes it right; so the keys read as a player expects.
            key_actions=_with_wasd({"Left": 1, "Up": 2, "Right": 3}),
            action_names=("nothing", "left engine: push left", "main engine", "right engine: push right"),
            n_actions=4,
            idle_actions=(0,),
            idle_note="engines off (action 0)",
            legend=(("Up / W", "main engine"), ("Left / A", "push left"), ("Right / D", "push right")),
            path_axes=_LUNAR_PATH,
        ),
        EnvSpec(
            key="LunarLanderContinuous-v3",
            gym_id="LunarLander-v3",
            gym_kwargs={"continuous": True},
            display_name="Lunar Lander (continuous)",
            hint=_LUNAR_HINT + " Keys combine: Up+Left fires both.",
            action_kind="continuous",
            obs_shape=(8,),
            fps=50,
            max_episode_steps=1000,
            # Action = (main throttle, lateral): main <= 0 is off, 1 is full; lateral -1 pushes
            # left like discrete action 1, +1 pushes right.
            key_actions=_with_wasd({"Up": {0: 1.0}, "Left": {1: -1.0}, "Right": {1: 1.0}}),
            action_low=(-1.0, -1.0),
            action_high=(1.0, 1.0),
            idle_vector=(-1.0, 0.0),
            idle_note="engines off (main -1, lateral 0)",
            legend=(("Up / W", "main engine, full"), ("Left / A", "push left"), ("Right / D", "push right")),
            path_axes=_LUNAR_PATH,
        ),
        EnvSpec(
            key="CartPole-v1",
            gym_id="CartPole-v1",
            gym_kwargs={},
            display_name="CartPole",
            hint="Keep the pole upright by pushing the cart left and right.",
            action_kind="discrete",
            obs_shape=(4,),
            fps=50,
            max_episode_steps=500,
            key_actions=_with_wasd({"Left": 0, "Right": 1}),
            action_names=("push left", "push right"),
            n_actions=2,
            # CartPole always pushes; alternating left and right nets out to almost no force,
            # which is the nearest thing to "do nothing" a player can expect.
            idle_actions=(0, 1),
            idle_note="alternate left/right pushes (CartPole has no no-op)",
            legend=(("Left / A", "push cart left"), ("Right / D", "push cart right")),
            path_axes=PathAxes(0, 2, "cart position", "pole angle"),
        ),
        EnvSpec(
            key="MountainCar-v0",
            gym_id="MountainCar-v0",
            gym_kwargs={},
            display_name="Mountain Car",
            hint="Rock the car back and forth to build momentum, then drive up to the flag.",
            action_kind="discrete",
            obs_shape=(2,),
            fps=30,
            max_episode_steps=200,
            key_actions=_with_wasd({"Left": 0, "Right": 2}),
            action_names=("accelerate left", "coast", "accelerate right"),
            n_actions=3,
            idle_actions=(1,),
            idle_note="coast (action 1)",
            legend=(("Left / A", "accelerate left"), ("Right / D", "accelerate right")),
            path_axes=PathAxes(0, 1, "position", "velocity"),
        ),
        EnvSpec(
            key="Acrobot-v1",
            gym_id="Acrobot-v1",
            gym_kwargs={},
            display_name="Acrobot",
            hint="Swing the two-link arm until its tip rises above the line.",
            action_kind="discrete",
            obs_shape=(6,),
            fps=15,
            max_episode_steps=500,
            key_actions=_with_wasd({"Left": 0, "Right": 2}),
            action_names=("torque -1", "no torque", "torque +1"),
            n_actions=3,
            idle_actions=(1,),
            idle_note="no torque (action 1)",
            legend=(("Left / A", "torque -1 on the joint"), ("Right / D", "torque +1 on the joint")),
            path_axes=PathAxes(0, 1, "cos of the upper link's angle", "sin of the upper link's angle"),
        ),
        EnvSpec(
            key="CarRacing-v3",
            gym_id="CarRacing-v3",
            gym_kwargs={},
            display_name="Car Racing",
            hint="Drive round the track: Up is gas, Down brakes, Left/Right steer. The policy learns from the pixels.",
            action_kind="continuous",
            obs_shape=(96, 96, 3),
            fps=50,
            max_episode_steps=1000,
            # Action = (steering -1..1, gas 0..1, brake 0..1).
            key_actions=_with_wasd({"Left": {0: -1.0}, "Right": {0: 1.0}, "Up": {1: 1.0}, "Down": {2: 0.8}}),
            action_low=(-1.0, 0.0, 0.0),
            action_high=(1.0, 1.0, 1.0),
            idle_vector=(0.0, 0.0, 0.0),
            pixels=PixelInputs(frame_shape=(96, 96, 3)),
            idle_note="no steering, gas or brake",
            legend=(("Left / A", "steer left"), ("Right / D", "steer right"), ("Up / W", "gas"), ("Down / S", "brake")),
        ),
    )
}


def render_rgb(env: gym.Env) -> np.ndarray:
    """The current frame, (H, W, 3) uint8, of an env made with ``render_mode="rgb_array"``."""
    frame = env.render()
    if not isinstance(frame, np.ndarray):
        raise EnvError(f"{env}: render() gave {type(frame).__name__}, not an rgb array")
    return frame


def get_spec(env_key: str) -> EnvSpec:
    """Look up a supported environment by its registry key; EnvError names the choices."""
    try:
        return REGISTRY[env_key]
    except KeyError:
        raise EnvError(f"unknown environment {env_key!r}; supported: {', '.join(REGISTRY)}") from None
