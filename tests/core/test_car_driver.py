"""The scripted CarRacing driver: its steering, speed and pedals on hand-built tracks, and its
first 200 steps (4 s) of a real lap; whole laps are measured by ``python -m core.envs.car_driver``."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from core.envs.car_driver import POINT_SPACING, ROAD_HALF_WIDTH, CarDriver, CarState, read_car_state
from core.envs.experts import make_expert
from core.envs.registry import get_spec
from core.errors import EnvError

TEST_SEED = 0  # seeds 100-199 tuned the driver


def line(headings_rad, start=(0.0, 0.0)):
    """An evenly spaced centre line whose i-th segment points along headings_rad[i] (0: +x)."""
    steps = POINT_SPACING * np.stack([np.cos(headings_rad), np.sin(headings_rad)], axis=1)
    return np.vstack([start, start + np.cumsum(steps, axis=0)])


STRAIGHT_NORTH = line(np.full(99, math.pi / 2))  # along +y, the way a car of heading 0 faces


def car(x, y, speed=0.0, heading_rad=0.0, centre_line=STRAIGHT_NORTH):
    forward = np.array([-math.sin(heading_rad), math.cos(heading_rad)])
    return CarState(np.array([x, y]), heading_rad, speed * forward, centre_line)


def test_on_the_line_it_drives_straight_with_full_gas():
    assert CarDriver()(car(0.0, 0.0)).tolist() == pytest.approx([0.0, 1.0, 0.0], abs=1e-12)


def test_left_of_the_line_it_steers_right_by_pure_pursuit():
    # Look-ahead 6 units at a standstill: 2 points, the target (0, 7) seen from (-2, 0).
    bearing = math.atan2(-2.0, 7.0)
    wheel_angle = math.atan(2 * 3.24 * math.sin(bearing) / math.hypot(2.0, 7.0))
    steer = CarDriver()(car(-2.0, 0.0))[0]
    assert steer == pytest.approx(-2.5 * wheel_angle, rel=1e-6)
    assert steer == pytest.approx(0.5995, abs=1e-4) and CarDriver()(car(2.0, 0.0))[0] == pytest.approx(-steer)


def test_facing_backwards_it_turns_at_full_lock():
    assert abs(CarDriver()(car(0.0, 0.0, heading_rad=math.pi))[0]) == 1.0


def test_it_slows_for_a_sharp_turn_ahead_in_time_to_take_it():
    # A turn of 0.3 rad at the 10th point, 35 units ahead: curvature 0.3 / 3.5, taken at most at
    # sqrt(100 / k); from 35 units before it, braking at 60 units/s^2, sqrt(v^2 + 2 * 60 * 35).
    turning = line(np.concatenate([np.full(10, math.pi / 2), np.full(89, math.pi / 2 - 0.3)]))
    expected = math.sqrt(100.0 / (0.3 / 3.5) + 2 * 60.0 * 35.0)  # 73.26
    driver = CarDriver()
    assert driver._target_speed(car(0.0, 0.0, centre_line=turning), 0) == pytest.approx(expected)
    assert driver._target_speed(car(0.0, 0.0), 0) == 90.0  # the top speed on a straight
    gas, brake = driver(car(0.0, 0.0, speed=expected + 10.0, centre_line=turning))[1:]
    assert gas == 0.0 and brake == pytest.approx(0.05 * 10.0, abs=1e-5)


def test_it_never_brakes_hard_enough_to_lock_the_wheels():
    assert CarDriver()(car(0.0, 0.0, speed=300.0))[1:].tolist() == [0.0, pytest.approx(0.8)]


def test_off_the_road_it_slows_to_crawl_back():
    on_road, off_road = car(-ROAD_HALF_WIDTH + 0.5, 0.0, speed=30.0), car(-ROAD_HALF_WIDTH - 0.5, 0.0, speed=30.0)
    assert CarDriver()(on_road)[1:].tolist() == [1.0, 0.0]
    assert CarDriver()(off_road)[1:].tolist() == [0.0, pytest.approx(0.05 * (30.0 - 15.0))]


class FakeCarRacing:
    """What ``read_car_state`` reads of a CarRacing env: the track and the car's hull."""

    def __init__(self, centre_line=STRAIGHT_NORTH):
        track = [(0.0, 0.0, x, y) for x, y in centre_line]
        self.hull = SimpleNamespace(position=(0.0, 0.0), angle=0.0, linearVelocity=(0.0, 0.0))
        self.unwrapped = SimpleNamespace(track=track, car=SimpleNamespace(hull=self.hull))


def test_the_expert_must_be_bound_to_the_env_it_reads():
    expert = make_expert("CarRacing-v3")
    with pytest.raises(EnvError, match=r"steers by the env's state: bind\(env\)"):
        expert.reset(np.zeros((96, 96, 3), dtype=np.uint8))


def test_delay_acts_on_the_state_k_steps_back():
    env, frame = FakeCarRacing(), np.zeros((96, 96, 3), dtype=np.uint8)
    expert = make_expert("CarRacing-v3", delay_steps=2)
    expert.bind(env)
    env.hull.position = (-2.0, 0.0)  # left of the line: steer right
    expert.reset(frame)
    steers = [expert.act(frame)[0]]
    env.hull.position = (2.0, 0.0)  # right of it: steer left, two steps later
    steers += [expert.act(frame)[0] for _ in range(3)]
    assert np.sign(steers).tolist() == [1.0, 1.0, 1.0, -1.0]


def test_full_noise_gives_random_actions_within_the_bounds():
    env, frame = FakeCarRacing(), np.zeros((96, 96, 3), dtype=np.uint8)
    expert = make_expert("CarRacing-v3", noise=1.0, seed=1)
    expert.bind(env)
    expert.reset(frame)
    actions = np.array([expert.act(frame) for _ in range(200)])
    assert actions.min(axis=0).tolist() == pytest.approx([-1.0, 0.0, 0.0], abs=0.05)
    assert actions.max(axis=0).tolist() == pytest.approx([1.0, 1.0, 1.0], abs=0.05)
    assert expert.description == "scripted:CarRacing-v3 noise=1 delay=0"


def drive(steps, **imperfection):
    """The expert on the real env for ``steps`` steps of reset seed 0: (reward, farthest from the line)."""
    env = get_spec("CarRacing-v3").make()
    expert = make_expert("CarRacing-v3", seed=0, **imperfection)
    expert.bind(env)
    obs, _ = env.reset(seed=TEST_SEED)
    expert.reset(obs)
    reward, farthest = 0.0, 0.0
    try:
        for _ in range(steps):
            obs, step_reward, terminated, truncated, _ = env.step(expert.act(obs))
            reward += float(step_reward)
            state = read_car_state(env)
            farthest = max(farthest, float(np.min(np.hypot(*(state.centre_line - state.position).T))))
            assert not (terminated or truncated)
    finally:
        env.close()
    return reward, farthest


@pytest.fixture(scope="module")
def first_200_steps():
    return drive(200)


def test_it_stays_on_the_road_and_collects_the_tiles(first_200_steps):
    # Measured: 186.9 in 200 steps (66 of the track's 319 tiles), at most 5.2 units off the line.
    reward, farthest = first_200_steps
    assert reward > 150.0
    assert farthest < ROAD_HALF_WIDTH


def test_a_delayed_driver_is_worse(first_200_steps):
    reward, farthest = drive(200, delay_steps=4)  # measured: 70.9, off the road
    assert reward < first_200_steps[0] - 50.0
    assert farthest > ROAD_HALF_WIDTH
