"""Ways of flying the lander and balancing the pole: the intent of different simulated people.

The scripted experts (``core.envs.experts``) each play one way. People do not: one hovers until
the lander is over the pad and then sinks, one drops fast and brakes late, one aims beside the
pad, one over-steers and sways. Each style here is the same kind of proportional controller as
the experts, with a few numbers that say how the person flies; a ``HumanLikePlayer`` then plays
the intent through a person's hands (delay, key holds, slips).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# LunarLander's observation: x, y, vx, vy, angle, angular velocity, left leg, right leg.
_TILT_LIMIT = 0.4  # radians: more than this is a lander out of control


@dataclass(frozen=True)
class LanderStyle:
    """How a person flies LunarLander's discrete engines.

    The lander is tilted towards where the person wants to be and held at a height that falls
    as it nears the target; each number shifts one habit away from the scripted expert's.
    """

    target_x: float = 0.0  # where the person aims (0: between the flags)
    hover_height: float = 0.0  # height held until over the target (0: sink while still moving in)
    height_per_offset: float = 0.55  # extra height held per unit of distance from the target
    fall_damping: float = 0.5  # how hard vertical speed is braked (small: falls fast)
    tilt_gain: float = 0.5  # how hard the tilt error is corrected
    spin_damping: float = 1.0  # how hard spinning is damped (small: over-steers and sways)
    threshold: float = 0.05  # how large an error must be before a key is pressed
    sinks_over_target: bool = True  # False: keeps hovering, never quite sure enough to land

    def intent(self, obs: np.ndarray) -> int:
        """The engine the person means to fire: 0 none, 1 left, 2 main, 3 right."""
        x, y, vx, vy, angle, spin = (float(value) for value in obs[:6])
        offset = x - self.target_x
        wanted_tilt = float(np.clip(0.5 * offset + vx, -_TILT_LIMIT, _TILT_LIMIT))
        over_target = self.sinks_over_target and abs(offset) < 0.1 and abs(vx) < 0.2
        height = 0.0 if over_target else self.hover_height
        wanted_height = height + self.height_per_offset * abs(offset)
        tilt_error = (wanted_tilt - angle) * self.tilt_gain - spin * self.spin_damping
        height_error = (wanted_height - y) * 0.5 - vy * self.fall_damping
        if obs[6] or obs[7]:  # a leg touches: only soften the landing
            tilt_error, height_error = 0.0, -vy * 0.5
        if height_error > abs(tilt_error) and height_error > self.threshold:
            return 2
        if tilt_error < -self.threshold:
            return 3
        if tilt_error > self.threshold:
            return 1
        return 0


@dataclass(frozen=True)
class PoleStyle:
    """How a person balances CartPole: push towards where the pole falls, with their own weights."""

    angle_gain: float = 1.0
    spin_gain: float = 0.5  # small: reacts to the lean, not to how fast it grows (sways)
    centring: float = 0.05  # how much the person keeps the cart near the middle (0: drifts off)
    drift_damping: float = 0.2

    def intent(self, obs: np.ndarray) -> int:
        """0 push left, 1 push right."""
        x, x_speed, angle, spin = (float(value) for value in obs[:4])
        lean = self.angle_gain * angle + self.spin_gain * spin + self.centring * x + self.drift_damping * x_speed
        return int(lean > 0)
