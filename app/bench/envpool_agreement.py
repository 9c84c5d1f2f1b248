"""Does EnvPool's CarRacing-v3 agree with gymnasium's? Tracks, frames, rewards, endings, speed,
and whether D can tell their frames apart (issue 27).

Run: ``.venv/bin/python -m app.bench.envpool_agreement`` (about 4 minutes on one core; ``--seeds
0 1 2 3 4`` for more seeds, ``--d-frames 0`` and ``--no-speed`` to leave parts out).

Seeds. Gymnasium draws a track from ``np_random`` (numpy's PCG64, seeded through a
SeedSequence); EnvPool's env ``i`` draws from a C++ ``std::mt19937(seed + i)`` (its
``env_seed`` list overrides that, and ``reset(seed=...)`` is ignored: seeds are fixed when the
pool is built), and later episodes continue the same stream. So one seed makes two different
tracks. Both generators call the same two uniforms per checkpoint in the same order, though, so
``car_racing_pair.EnvPoolTrackDraws`` feeds gymnasium's own track generator EnvPool's numbers:
with it the two envs build the same track, and frames, rewards and endings can be compared step
by step.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from app.bench.car_racing_pair import ACTION_HIGH, ACTION_LOW, Tracks, envpool_car, gymnasium_car


def action_sequences(steps: int = 1000, seed: int = 12345) -> dict[str, np.ndarray]:
    """(steps, 3) float32 sequences: uniform random actions, and full gas straight ahead."""
    rng = np.random.default_rng(seed)
    straight_gas = np.tile(np.array([0.0, 1.0, 0.0], np.float32), (steps, 1))
    return {"random": rng.uniform(ACTION_LOW, ACTION_HIGH, (steps, 3)).astype(np.float32), "gas": straight_gas}


@dataclass(frozen=True)
class FrameDifference:
    mean_abs: float  # mean |gymnasium - EnvPool| over pixels and channels, 0..255
    identical: float  # fraction of pixels (all three channels) that are equal
    max_abs: int


def frame_difference(gym_frames: np.ndarray, pool_frames: np.ndarray) -> FrameDifference:
    """(..., 96, 96, 3) uint8 frames of the two envs -> how far apart they are."""
    diff = np.abs(gym_frames.astype(np.int16) - pool_frames.astype(np.int16))
    return FrameDifference(float(diff.mean()), float((diff == 0).all(axis=-1).mean()), int(diff.max()))


@dataclass(frozen=True)
class Agreement:
    """One seed and action sequence played in both envs to the first ending."""

    seed: int
    actions: str
    first_frame: FrameDifference
    frames: FrameDifference  # every step both envs played
    reward_max_abs: float  # over the steps both played
    gym_return: float
    pool_return: float
    gym_end: tuple[int, str]  # (steps, "terminated" / "truncated")
    pool_end: tuple[int, str]


def _ending(steps: int, terminated: bool, truncated: bool) -> tuple[int, str]:
    return steps, "terminated" if terminated else "truncated" if truncated else "running"


def play_both(seed: int, name: str, actions: np.ndarray, tracks: Tracks = "envpool") -> Agreement:
    """Play ``actions`` from ``seed`` in both envs (on one track: gymnasium draws EnvPool's)."""
    env, gym_frame = gymnasium_car(seed, tracks)
    pool, pool_frame = envpool_car(seed)
    first = frame_difference(gym_frame, pool_frame[0])
    diffs, reward_diffs, gym_rewards, pool_rewards = [], [], [], []
    gym_end = pool_end = (0, "running")
    for step, action in enumerate(actions, start=1):
        if gym_end[1] == "running":
            gym_frame, reward, terminated, truncated, _ = env.step(action)
            gym_rewards.append(float(reward))
            gym_end = _ending(step, terminated, truncated)
        if pool_end[1] == "running":
            pool_frame, pool_reward, pool_terminated, pool_truncated, _ = pool.step(action[None])
            pool_rewards.append(float(pool_reward[0]))
            pool_end = _ending(step, bool(pool_terminated[0]), bool(pool_truncated[0]))
        if len(gym_rewards) == len(pool_rewards) == step:
            diff = np.abs(gym_frame.astype(np.int16) - pool_frame[0].astype(np.int16))
            diffs.append((diff.mean(), (diff == 0).all(axis=-1).mean(), diff.max()))
            reward_diffs.append(abs(gym_rewards[-1] - pool_rewards[-1]))
        if gym_end[1] != "running" and pool_end[1] != "running":
            break
    env.close()
    pool.close()
    per_step = np.array(diffs)
    frames = FrameDifference(float(per_step[:, 0].mean()), float(per_step[:, 1].mean()), int(per_step[:, 2].max()))
    return Agreement(
        seed, name, first, frames, max(reward_diffs), sum(gym_rewards), sum(pool_rewards), gym_end, pool_end
    )


@contextmanager
def one_core() -> Iterator[int]:
    """This process (and the threads it starts) on one core, for the speed figures."""
    allowed = os.sched_getaffinity(0)
    core = min(allowed)
    os.sched_setaffinity(0, {core})
    try:
        yield core
    finally:
        os.sched_setaffinity(0, allowed)


def _timed(step: Callable[[], int], seconds: float) -> float:
    """Env steps per second of calling ``step`` (which returns how many env steps it made)."""
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        done += step()
    return done / elapsed


@dataclass(frozen=True)
class Speed:
    median_steps_per_s: float
    low_steps_per_s: float
    high_steps_per_s: float


def speeds(seconds: float = 3.0, rounds: int = 3) -> dict[str, Speed]:
    """Env steps per second on one core with random actions, episodes restarted as they end:
    ``rounds`` turns of ``seconds`` each, the envs taking turns (a shared machine is noisy)."""
    from core.envs.fast_envs import make_fast_vector_env

    rng = np.random.default_rng(0)
    steppers: dict[str, Callable[[], int]] = {}
    closers: list[Callable[[], None]] = []
    with one_core():
        env = gym.make("CarRacing-v3")
        env.reset(seed=0)

        def gym_step() -> int:
            _, _, terminated, truncated, _ = env.step(rng.uniform(ACTION_LOW, ACTION_HIGH).astype(np.float32))
            if terminated or truncated:
                env.reset()
            return 1

        steppers["gymnasium, 1 env"] = gym_step
        closers.append(env.close)
        for num_envs in (1, 8):
            pool, _ = envpool_car(0, num_envs=num_envs, num_threads=1)

            def pool_step(pool: Any = pool, num_envs: int = num_envs) -> int:
                pool.step(rng.uniform(ACTION_LOW, ACTION_HIGH, (num_envs, 3)).astype(np.float32))
                return num_envs

            steppers[f"EnvPool, {num_envs} env{'s' if num_envs > 1 else ''}, 1 thread"] = pool_step
            closers.append(pool.close)
        vector = make_fast_vector_env("CarRacing-v3", num_envs=8, num_threads=1)
        vector.reset(seed=0)

        def vector_step() -> int:
            vector.step(rng.uniform(ACTION_LOW, ACTION_HIGH, (8, 3)).astype(np.float32))
            return 8

        steppers["SameStepPool (the adapter), 8 envs, 1 thread"] = vector_step
        closers.append(vector.close)
        measured: dict[str, list[float]] = {label: [] for label in steppers}
        for _ in range(rounds):
            for label, step in steppers.items():
                measured[label].append(_timed(step, seconds))
        for close in closers:
            close()
    return {label: Speed(float(np.median(runs)), min(runs), max(runs)) for label, runs in measured.items()}


def _frames_line(label: str, diff: FrameDifference) -> str:
    return f"{label} mean |diff| {diff.mean_abs:.2f}, identical {diff.identical:.1%}, max {diff.max_abs}"


def report_agreement(rows: Sequence[Agreement]) -> list[str]:
    lines = []
    for row in rows:
        lines.append(
            f"  seed {row.seed} {row.actions:6s}  {_frames_line('frames:', row.frames)};"
            f" rewards max |diff| {row.reward_max_abs:.1e}; return {row.gym_return:.3f} / {row.pool_return:.3f};"
            f" end {row.gym_end[0]} {row.gym_end[1]} / {row.pool_end[0]} {row.pool_end[1]}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=1000, help="most steps per episode (CarRacing's limit: 1000)")
    parser.add_argument("--d-frames", type=int, default=2000, help="frames per env for the D test (0: no D test)")
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args(argv)

    print("Same seed, each env's own seeding (gymnasium: PCG64; EnvPool: mt19937(seed + env)), 100 steps of gas:")
    gas = action_sequences(100)["gas"]
    for seed in args.seeds:
        row = play_both(seed, "gas", gas, tracks="own")
        print(
            f"  seed {seed}  {_frames_line('first frame:', row.first_frame)};"
            f" rewards max |diff| {row.reward_max_abs:.2f}; return {row.gym_return:.3f} / {row.pool_return:.3f}"
        )
    print("Same track (gymnasium draws EnvPool's numbers), same actions: first frames")
    rows = [
        play_both(seed, name, actions)
        for seed in args.seeds
        for name, actions in action_sequences(args.steps, seed=12345 + seed).items()
    ]
    for row in rows:
        if row.actions == "gas":
            print(f"  seed {row.seed}  {_frames_line('first frame:', row.first_frame)}")
    print("Same track, same actions: every step (gymnasium / EnvPool for returns and endings)")
    print("\n".join(report_agreement(rows)))
    if not args.no_speed:
        print("Steps per second on one core (random actions):")
        for label, speed in speeds().items():
            print(
                f"  {label:45s} {speed.median_steps_per_s:6.0f}"
                f" (median of 3; {speed.low_steps_per_s:.0f} to {speed.high_steps_per_s:.0f})"
            )
    if args.d_frames:
        from app.bench.envpool_frames_d import EPOCHS, d_accuracies

        accuracies, held_out_frames = d_accuracies(args.d_frames)
        print(f"D: a small CNN trained to tell gymnasium's frames from EnvPool's ({args.d_frames} each, same tracks")
        print(f"   and actions); accuracy on {held_out_frames} frames of each from episodes it never saw (0.5: cannot")
        print(f"   tell), after {' / '.join(map(str, EPOCHS))} epochs:")
        for label, by_epoch in accuracies.items():
            held_out = " / ".join(f"{by_epoch[epochs].held_out:.3f}" for epochs in EPOCHS)
            train = " / ".join(f"{by_epoch[epochs].train:.3f}" for epochs in EPOCHS)
            print(f"  {label:47s} held-out {held_out}  (train {train})")


if __name__ == "__main__":
    main()
