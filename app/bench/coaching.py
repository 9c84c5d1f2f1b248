"""The coach benchmark: corrections against more full demos, for the same human-controlled steps.

Both methods start from one weak policy per seed (GAIL from two episodes of the simulated
keyboard player) and spend a budget of human-controlled steps per round, then continue training
from the last run (``train --start-from``) and are evaluated:

- ``lunar-corrections``: a simulated coach watches the policy play and, when the lander is about
  to fail (low and falling fast, tilted, drifting off, or hovering too long), the scripted expert
  takes over for a stretch and hands back; each episode with a takeover is kept as a correction.
- ``lunar-more-demos``: the scripted expert records whole new episodes instead.

The x axis is every human-controlled step so far, the two starting demos included.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

ENV = "LunarLander-v3"
METHODS = ("lunar-corrections", "lunar-more-demos")
BASE_RECIPE = "human-good-2"


@dataclass(frozen=True)
class CoachPlan:
    base_steps: int = 300_000  # GAIL on the two demos: the weak starting policy
    rounds: int = 3
    budget: int = 400  # human-controlled steps per round (about 1.6 expert episodes)
    round_steps: int = 200_000  # training after each round, from the last run
    stretch: int = 40  # steps of one takeover (0.8 s at 50 fps)
    final_episodes: int = 50


PLANS = {"coach": CoachPlan(), "coach-smoke": CoachPlan(2048, 1, 60, 2048, 20, 3)}


@dataclass
class CoachCurve:
    method: str
    seed: int
    human_steps: list[int] = field(default_factory=list)
    normalized: list[float] = field(default_factory=list)
    corrections: list[int] = field(default_factory=list)  # correction files (or new demos) so far


def about_to_fail(obs: np.ndarray, t: int) -> bool:
    """The simulated coach's judgement: a lander in trouble (state: x, y, vx, vy, angle, ...)."""
    x, y, vx, vy, angle = (float(v) for v in obs[:5])
    low = y < 0.5
    return (low and (vy < -0.35 or abs(angle) > 0.3 or abs(vx) > 0.4)) or abs(x) > 0.45 or abs(angle) > 0.5 or t > 450


def coach_corrections(run_dir: Path, folder: Path, budget: int, plan: CoachPlan, seed: int) -> int:
    """Let the simulated coach correct the run's policy until ``budget`` human steps are spent."""
    from core.envs.experts import make_expert
    from core.sessions.coach_session import CoachSession

    session = CoachSession.from_run(run_dir, folder, render=False, seed=seed)
    expert = make_expert(ENV)
    spent = 0
    try:
        while spent < budget:
            session.reset()
            expert.reset(session.recorder.observation)
            left = 0  # steps left in the expert's stretch
            while not session.done:
                obs = session.recorder.observation
                action = expert.act(obs)  # every step, so that the expert's own state follows the game
                if left == 0 and spent + session.person_steps < budget and about_to_fail(obs, session.length):
                    left = plan.stretch
                if left > 0:
                    session.step(action)
                    left -= 1
                    if left == 0:
                        session.hand_back()
                else:
                    session.step()
            used = session.person_steps
            if session.keep() is not None:
                spent += used
    finally:
        session.close()
    return spent


def record_demos(folder: Path, budget: int, first_seed: int) -> tuple[int, int]:
    """Whole scripted episodes until ``budget`` steps are spent; (steps, episodes)."""
    from core.data.recorder import Recorder
    from core.envs.experts import make_expert
    from core.envs.registry import get_spec

    expert = make_expert(ENV)
    recorder = Recorder(get_spec(ENV), folder, source="scripted", source_detail=expert.description)
    spent = episodes = 0
    try:
        while spent < budget:
            obs = recorder.reset(seed=first_seed + episodes)
            expert.reset(obs)
            while not recorder.done:
                obs = recorder.step(expert.act(obs)).observation
            spent += recorder.length
            episodes += 1
            recorder.keep()
    finally:
        recorder.close()
    return spent, episodes


def _train(folder: Path, run_dir: Path, steps: int, seed: int, device: str, start_from: Path | None) -> float:
    """Train (from ``start_from``'s networks if given); the final deterministic mean return."""
    import torch

    from core.data.demo_selection import training_demos
    from core.data.demo_set import load_demo_set
    from core.train.events import Failed, Finished
    from core.train.settings.config import default_config
    from core.train.trainer import Trainer

    torch.set_num_threads(1)
    config = default_config(ENV, total_steps=steps, seed=seed, device=device, eval_every_iters=0)
    demos = training_demos(load_demo_set(folder, env_key=ENV))
    for event in Trainer(config, demos, run_dir=run_dir, start_from=start_from).run():
        if isinstance(event, Failed):
            raise RuntimeError(f"{run_dir}: {event.message}")
        if isinstance(event, Finished):
            if event.final_eval is None:
                break
            return event.final_eval.return_mean
    raise RuntimeError(f"{run_dir}: training ended without a result")


def run_seed(plan: CoachPlan, seed: int, base_demos: Path, out: Path, device: str) -> list[CoachCurve]:
    """Both methods for one seed, from the same base run."""
    from app.bench.harness import expert_return
    from core.data.demo_set import load_demo_set
    from core.envs.registry import get_spec
    from core.train.evaluate import normalized_return, random_policy_return
    from core.train.settings.seeds import EVAL_SEED_BASE

    spec = get_spec(ENV)
    random_return = random_policy_return(spec)
    reference = expert_return(spec, plan.final_episodes, EVAL_SEED_BASE)
    seed_dir = out / f"seed{seed}"
    base_run = seed_dir / "base"
    shutil.rmtree(seed_dir, ignore_errors=True)
    base_return = _train(base_demos, base_run, plan.base_steps, seed, device, None)
    base_human = load_demo_set(base_demos).n_steps
    curves = []
    for method in METHODS:
        folder = seed_dir / method / "demos"
        shutil.copytree(base_demos, folder)
        curve = CoachCurve(method, seed, [base_human], [normalized_return(base_return, random_return, reference)], [0])
        previous, added = base_run, 0
        for round_index in range(plan.rounds):
            if method == "lunar-corrections":
                spent = coach_corrections(previous, folder, plan.budget, plan, seed * 100 + round_index)
                added = len(load_demo_set(folder).corrections)
            else:
                spent, episodes = record_demos(folder, plan.budget, 5000 + 100 * seed + added)
                added += episodes
            run_dir = seed_dir / method / f"round{round_index + 1}"
            final = _train(folder, run_dir, plan.round_steps, seed, device, previous)
            curve.human_steps.append(curve.human_steps[-1] + spent)
            curve.normalized.append(normalized_return(final, random_return, reference))
            curve.corrections.append(added)
            previous = run_dir
        curves.append(curve)
    return curves


def as_records(curves: list[CoachCurve]) -> list[dict]:
    return [asdict(curve) for curve in curves]


def steps_to_reach(curve: dict, target: float = 0.95) -> int | None:
    """Human-controlled steps at the first point at or above ``target``; None if never."""
    for steps, value in zip(curve["human_steps"], curve["normalized"], strict=True):
        if value >= target:
            return int(steps)
    return None
