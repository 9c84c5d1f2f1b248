"""How an episode ended, in words a player understands: landed, crashed, flew off, time limit.

Gymnasium says only ``terminated`` or ``truncated``; what that means differs per env (a
terminated CartPole episode is a fall, a terminated MountainCar one reached the flag). The views
use this for the end card and the Watch view, and the Train view to warn before a policy is
taught to crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.envs.registry import EnvSpec

# LunarLander (gymnasium's box2d/lunar_lander.py): the last reward is set to exactly -100 on a
# crash or when the lander leaves the sides (|x| >= 1), and to +100 when it comes to rest. The
# pad lies between the flags at |x| <= 0.2 in the observation's units.
LUNAR_CRASH_REWARD = -100.0
LUNAR_REST_REWARD = 100.0
LUNAR_PAD_HALF_WIDTH = 0.2
# The observation's y at the top edge of the picture is (viewport height / scale - pad height -
# leg length / scale) / (viewport height / scale / 2) = (13.33 - 3.33 - 0.6) / 6.67 = 1.41, which
# is where the lander starts, half in view; it is out of sight once its body (about 0.07 in these
# units) is above that too.
LUNAR_OUT_OF_SIGHT_Y = 1.5


@dataclass(frozen=True)
class Ending:
    """What happened at the end of an episode."""

    text: str  # "crashed", "landed on the pad", "time limit reached", ...
    failed: bool  # an ending a demonstrator would not want imitated


def classify_ending(spec: EnvSpec, final_obs: np.ndarray, final_reward: float, terminated: bool) -> Ending:
    """The ending of an episode whose last step gave ``final_obs`` and ``final_reward``.

    ``terminated`` False means the time limit cut the episode (or it did not end). An env without
    a rule of its own (``ENDING_RULES``) gets the plain words, and no ending counts as failed.
    """
    rule = ENDING_RULES.get(spec.gym_id, _plain_ending)
    return rule(final_obs, final_reward, terminated)


def _plain_ending(final_obs: np.ndarray, final_reward: float, terminated: bool) -> Ending:
    return Ending("the episode ended", False) if terminated else Ending("time limit reached", False)


def _cartpole_ending(final_obs: np.ndarray, final_reward: float, terminated: bool) -> Ending:
    if terminated:
        return Ending("the pole fell or the cart left the track", True)
    return Ending("balanced until the time limit", False)


def _mountain_car_ending(final_obs: np.ndarray, final_reward: float, terminated: bool) -> Ending:
    return Ending("reached the flag", False) if terminated else Ending("time limit reached before the flag", True)


def _acrobot_ending(final_obs: np.ndarray, final_reward: float, terminated: bool) -> Ending:
    return Ending("swung above the line", False) if terminated else Ending("time limit reached below the line", True)


def _car_racing_ending(final_obs: np.ndarray, final_reward: float, terminated: bool) -> Ending:
    if terminated and final_reward <= -100.0:
        return Ending("left the playfield", True)
    return Ending("completed the lap", False) if terminated else Ending("time limit reached", False)


def _lunar_ending(final_obs: np.ndarray, final_reward: float, terminated: bool) -> Ending:
    if not terminated:
        return Ending("time limit reached (still flying)", True)
    if final_reward == LUNAR_CRASH_REWARD:
        if abs(float(final_obs[0])) >= 1.0:
            return Ending("flew off the side", True)
        return Ending("crashed", True)
    if final_reward == LUNAR_REST_REWARD:
        on_pad = abs(float(final_obs[0])) <= LUNAR_PAD_HALF_WIDTH
        return Ending("landed on the pad" if on_pad else "landed outside the pad", False)
    return Ending("the episode ended", False)


def time_limit_is_a_failure(spec: EnvSpec) -> bool:
    """Is lasting until the time limit itself a bad ending in this env (a lander still flying, a car
    short of the flag), rather than the goal (a pole still balanced)?"""
    return classify_ending(spec, np.zeros(spec.obs_shape, dtype=np.float32), 0.0, terminated=False).failed


def above_top_edge(spec: EnvSpec, obs: np.ndarray) -> float | None:
    """Where the agent left the picture through its top edge, as x from 0 (left) to 1; else None.

    LunarLander's lander can fly out of the top of the rendered frame and is then invisible; the
    frame view draws a marker there instead.
    """
    if spec.gym_id != "LunarLander-v3" or float(obs[1]) <= LUNAR_OUT_OF_SIGHT_Y:
        return None
    return float(np.clip((float(obs[0]) + 1.0) / 2.0, 0.0, 1.0))


# What an ending means, per gymnasium id (a terminated CartPole fell, a terminated MountainCar
# reached the flag): the one table a new env adds its rule to.
ENDING_RULES: dict[str, Callable[[np.ndarray, float, bool], Ending]] = {
    "LunarLander-v3": _lunar_ending,
    "CartPole-v1": _cartpole_ending,
    "MountainCar-v0": _mountain_car_ending,
    "MountainCarContinuous-v0": _mountain_car_ending,
    "Acrobot-v1": _acrobot_ending,
    "CarRacing-v3": _car_racing_ending,
}
