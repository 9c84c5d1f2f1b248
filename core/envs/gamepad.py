"""What a gamepad's sticks, triggers, d-pad and buttons mean in an env, without any input library.

The GUI polls the pad (``app/gui/gamepad.py``, through pygame's SDL game-controller API) and
hands a ``PadState`` to the session; tests build ``PadState`` values directly, so the mapping is
tested without hardware. The layout is SDL's game-controller one (Xbox names):

- continuous envs: the left stick's x steers (LunarLanderContinuous: side engines), the right
  trigger, or the left stick pushed up, is the main engine; analog values go straight to the env.
- discrete envs: the d-pad or the left stick act as the arrow keys, and the A button as Up
  (LunarLander's main engine), so a pad plays exactly what the keyboard plays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.envs.keyboard import KeyboardActions, action_for_keys
from core.envs.registry import Action, EnvSpec

# Below this a stick counts as centred: worn pads rest a little off zero.
DEAD_ZONE = 0.25

# SDL game-controller axis and button numbers (pygame._sdl2.controller and most joystick drivers).
AXIS_LEFT_X, AXIS_LEFT_Y, AXIS_RIGHT_TRIGGER = 0, 1, 5
BUTTON_A = 0


@dataclass(frozen=True)
class PadState:
    """One reading of a pad: axes in [-1, 1] (triggers rest at -1), buttons, the d-pad (x, y)."""

    axes: tuple[float, ...] = ()
    buttons: tuple[bool, ...] = ()
    hat: tuple[int, int] = (0, 0)  # d-pad: x -1 left / +1 right, y +1 up / -1 down
    name: str = "gamepad"

    def axis(self, index: int, rest: float = 0.0) -> float:
        return float(self.axes[index]) if index < len(self.axes) else rest

    def button(self, index: int) -> bool:
        return bool(self.buttons[index]) if index < len(self.buttons) else False

    @property
    def trigger(self) -> float:
        """The right trigger in [0, 1] (SDL reports -1 released .. 1 fully pressed)."""
        return max(0.0, (self.axis(AXIS_RIGHT_TRIGGER, rest=-1.0) + 1.0) / 2.0)

    @property
    def active(self) -> bool:
        """Whether the person is doing anything with the pad (a takeover starts on this)."""
        stick = max(abs(self.axis(AXIS_LEFT_X)), abs(self.axis(AXIS_LEFT_Y)))
        return stick > DEAD_ZONE or self.trigger > DEAD_ZONE or any(self.buttons) or self.hat != (0, 0)


def _dead(value: float) -> float:
    return 0.0 if abs(value) < DEAD_ZONE else value


def pad_keys(state: PadState) -> frozenset[str]:
    """The arrow keys the pad stands for: d-pad or left stick directions, A as Up."""
    keys = set()
    x = state.hat[0] or np.sign(_dead(state.axis(AXIS_LEFT_X)))
    y = state.hat[1] or -np.sign(_dead(state.axis(AXIS_LEFT_Y)))  # stick up is negative y
    if x < 0:
        keys.add("Left")
    elif x > 0:
        keys.add("Right")
    if y > 0 or state.button(BUTTON_A):
        keys.add("Up")
    elif y < 0:
        keys.add("Down")
    return frozenset(keys)


def pad_vector(spec: EnvSpec, state: PadState) -> np.ndarray:
    """A continuous env's action from the pad's analog inputs (the keys' dimensions, scaled).

    Each key's dimensions take the stick's or trigger's amount instead of the key's full value:
    the left stick's x for Left / Right, the trigger (or the stick pushed up) for Up, the stick
    pulled down for Down. Dimensions no input touches keep the env's idle value.
    """
    vector = np.array(spec.idle_vector, dtype=np.float32)
    x = _dead(state.axis(AXIS_LEFT_X)) or float(state.hat[0])
    up = max(state.trigger, max(0.0, -_dead(state.axis(AXIS_LEFT_Y))), float(state.hat[1] > 0))
    down = max(0.0, _dead(state.axis(AXIS_LEFT_Y)), float(state.hat[1] < 0))
    amounts = {"Left": max(0.0, -x), "Right": max(0.0, x), "Up": up, "Down": down}
    for key, amount in amounts.items():
        if key not in spec.key_actions or amount <= 0.0:
            continue
        for dim, full in spec.key_actions[key].items():
            idle = float(spec.idle_vector[dim])
            vector[dim] = idle + (full - idle) * min(1.0, amount)
    return np.clip(vector, spec.action_low, spec.action_high).astype(np.float32)


def pad_legend(spec: EnvSpec) -> list[tuple[str, str]]:
    """(pad input, what it does) rows for the key legend, in the keys' terms."""
    if spec.is_discrete:
        names = {
            "Left": "d-pad / stick left",
            "Right": "d-pad / stick right",
            "Up": "A, d-pad / stick up",
            "Down": "d-pad / stick down",
        }
    else:
        names = {
            "Left": "left stick left",
            "Right": "left stick right",
            "Up": "right trigger, stick up",
            "Down": "left stick down",
        }
    return [(names[key], f"as {key}") for key in ("Left", "Right", "Up", "Down") if key in spec.key_actions]


def person_action(spec: EnvSpec, keyboard: KeyboardActions, pad: PadState) -> Action:
    """The action of a person at the keyboard and a pad: the pad's when it is in use (a continuous
    env gets its analog amounts; a discrete one its keys, held together with the keyboard's)."""
    if not pad.active:
        return keyboard.action()
    keyboard_keys = keyboard.held
    keyboard.action()  # the keyboard's taps are used up as usual
    if not spec.is_discrete:
        return pad_vector(spec, pad)
    return action_for_keys(spec, [*keyboard_keys, *sorted(pad_keys(pad))])
