"""What a policy sees of a pixel env: recorded frames turned into the networks' input.

A demo keeps the env's own frames, every step, as recorded (CarRacing: 96 x 96 x 3 uint8), so it
replays and its pictures stay what the person saw. The networks see less: each frame grey and
halved (2 x 2 means, 48 x 48), and the last ``frame_stack`` of them ``frame_gap`` steps apart, so
that one input shows how the picture moves. The input is uint8, flat (frame_stack * 48 * 48
values, newest frame last), and goes to the network that way; the network divides by 255
(``core.rl.conv_encoder``): a fixed scale, where a running per-pixel normaliser would spend a
statistic on each of 4,608 inputs and drift as the policy drives somewhere new.

There is no frame skip: every step is a decision, as in the demos (a person's key press lasts
one frame), and CarRacing's cost is the env's rendering, not the small network's.

The same function serves three places, so training, evaluation and the demos agree: a demo
episode's inputs (``episode_inputs``), a single env stepped by a loop (``InputStack``) and the
vector envs of rollouts (``PixelInputWrapper``, which ``EnvSpec.make_for_policy`` puts on).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

# ITU-R BT.601 luma weights: the grey a television makes of a colour frame.
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@dataclass(frozen=True)
class PixelInputs:
    """How frames become the networks' input (see the module docstring)."""

    frame_shape: tuple[int, int, int]  # the env's frame: (height, width, 3) uint8
    frame_stack: int = 2
    frame_gap: int = 3  # steps between stacked frames: at 50 fps a car moves visibly in 3
    downsample: int = 2  # each side divided by this (block means)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of the input, channels = the stacked frames."""
        height, width, _ = self.frame_shape
        return (self.frame_stack, height // self.downsample, width // self.downsample)

    @property
    def input_dim(self) -> int:
        return int(np.prod(self.image_shape))

    def frame_features(self, frames: np.ndarray) -> np.ndarray:
        """(..., H, W, 3) uint8 frames -> (..., H / d, W / d) uint8 grey, block-averaged."""
        grey = np.asarray(frames, dtype=np.float32) @ LUMA
        d = self.downsample
        height, width = grey.shape[-2] // d * d, grey.shape[-1] // d * d
        grey = grey[..., :height, :width]
        blocks = grey.reshape(*grey.shape[:-2], height // d, d, width // d, d).mean(axis=(-3, -1))
        return np.clip(np.rint(blocks), 0, 255).astype(np.uint8)

    def history_length(self) -> int:
        """How many past steps one input reaches back over (the newest frame included)."""
        return (self.frame_stack - 1) * self.frame_gap + 1

    def episode_inputs(self, observations: np.ndarray) -> np.ndarray:
        """(T, H, W, 3) frames of one episode -> (T, input_dim) uint8 inputs; before the first
        frame the episode's first frame stands in (as ``InputStack`` does after a reset)."""
        features = self.frame_features(observations)
        steps = len(features)
        stacked = []
        for k in range(self.frame_stack - 1, -1, -1):
            back = k * self.frame_gap
            index = np.maximum(np.arange(steps) - back, 0)
            stacked.append(features[index])
        return np.stack(stacked, axis=1).reshape(steps, -1)


class InputStack:
    """The input of one env as it is stepped: ``reset(frame)`` then ``push(frame)`` each step."""

    def __init__(self, pixels: PixelInputs) -> None:
        self.pixels = pixels
        self._history: deque[np.ndarray] = deque(maxlen=pixels.history_length())

    def reset(self, frame: np.ndarray) -> np.ndarray:
        features = self.pixels.frame_features(frame)
        self._history.clear()
        self._history.extend([features] * self._history.maxlen)  # type: ignore[operator]
        return self.current()

    def push(self, frame: np.ndarray) -> np.ndarray:
        self._history.append(self.pixels.frame_features(frame))
        return self.current()

    def current(self) -> np.ndarray:
        """(input_dim,) uint8: the stacked frames, oldest first."""
        history = list(self._history)
        newest = len(history) - 1
        picked = [history[newest - k * self.pixels.frame_gap] for k in range(self.pixels.frame_stack - 1, -1, -1)]
        return np.stack(picked).reshape(-1)


class VectorInputs:
    """``InputStack``'s interface for a vector env: the observation itself, flat, float32."""

    def reset(self, observation: np.ndarray) -> np.ndarray:
        return self.push(observation)

    def push(self, observation: np.ndarray) -> np.ndarray:
        return np.asarray(observation, dtype=np.float32).reshape(-1)


class PixelInputWrapper(gym.Wrapper):
    """A gymnasium env whose observations are the networks' input instead of the frame (its
    ``render()`` still draws the frame)."""

    def __init__(self, env: gym.Env, pixels: PixelInputs) -> None:
        super().__init__(env)
        self.stack = InputStack(pixels)
        self.observation_space = gym.spaces.Box(0, 255, (pixels.input_dim,), np.uint8)

    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict[str, Any]]:
        frame, info = self.env.reset(**kwargs)
        return self.stack.reset(frame), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        frame, reward, terminated, truncated, info = self.env.step(action)
        return self.stack.push(frame), float(reward), terminated, truncated, info
