"""The benchmark's suites: which training runs, on which demos, scored against what.

``full`` is the quality table of docs/benchmarks.md; ``quick`` the same cases, shorter; ``smoke``
the same cases in seconds, for the tests. ``human`` is the human-like demonstrators' part of
``full`` on its own, and ``paper`` the GAIL paper's few-trajectory experiment. ``people`` is the
population of simulated people (``core.envs.player_population``): GAIL and BC from 10 and from 3
episodes of each, its cases named by the half they belong to (``dev-...`` or ``held-out-...``);
``people-dev`` is the half settings are chosen on, ``people-held-out`` the half that counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PAPER_ENVS = ("CartPole-v1", "Acrobot-v1", "MountainCar-v0")
PAPER_TRAJECTORIES = (1, 4, 10)


@dataclass(frozen=True)
class Case:
    """One training run of a suite."""

    name: str
    env: str
    demos: str  # a key of app.bench.demo_recipes.DEMO_RECIPES
    settings: dict[str, Any]  # TrainConfig overrides on top of the env's defaults
    curve_points: int = 8  # evaluations along the run
    curve_episodes: int = 10
    final_episodes: int = 50
    # What normalised 1 means: the demos' mean return, or the scripted expert's mean return on the
    # final evaluation's seeds (the paper's "expert", steadier than one or four demos' mean).
    scale_to: str = "demos"


@dataclass(frozen=True)
class Suite:
    name: str
    cases: tuple[Case, ...]
    bare_env_steps: int
    seeds: int  # seeds per case unless --seeds says otherwise


def _cases(lunar_steps: int, cartpole_steps: int, bc_epochs: int, final: int, curve: int) -> tuple[Case, ...]:
    def lunar(name: str, demos: str = "samples", env: str = "LunarLander-v3", **settings: Any) -> Case:
        return Case(name, env, demos, {"total_steps": lunar_steps, **settings}, curve, 10, final)

    bc = {"algo": "bc", "bc_epochs": bc_epochs}
    human = []
    for demos in ("human-good", "human-weak", "human-good-3", "human-weak-3"):
        human += [lunar(f"lunar-{demos}-gail", demos), lunar(f"lunar-{demos}-bc", demos, **bc)]
    return (
        Case("cartpole-gail-ppo-clip", "CartPole-v1", "samples", {"total_steps": cartpole_steps}, curve, 10, final),
        lunar("lunar-gail-ppo-clip"),
        lunar("lunar-gail-ppo-kl", generator="ppo-kl"),
        lunar("lunar-gail-trpo", generator="trpo"),
        lunar("lunar-pure-gail", bc_warmstart_epochs=0, bc_coef=0.0),
        lunar("lunar-bc", **bc),
        lunar("lunar-imperfect-gail", "imperfect"),
        lunar("lunar-imperfect-bc", "imperfect", **bc),
        *human,
        lunar("lunar-continuous-gail-ppo-clip", env="LunarLanderContinuous-v3"),
    )


def _paper_cases(steps_scale: float, bc_epochs: int, final: int, curve: int) -> tuple[Case, ...]:
    from core.train.settings.config import TrainConfig
    from core.train.settings.env_defaults import ENV_DEFAULTS

    cases = []
    for env in PAPER_ENVS:
        steps = max(2048, round(ENV_DEFAULTS.get(env, {}).get("total_steps", TrainConfig.total_steps) * steps_scale))
        short = env.split("-")[0].lower()
        for n in PAPER_TRAJECTORIES:
            for algo, settings in (("gail", {"total_steps": steps}), ("bc", {"algo": "bc", "bc_epochs": bc_epochs})):
                cases.append(
                    Case(f"paper-{short}-{algo}-{n}", env, f"expert-{n}", settings, curve, 10, final, "expert")
                )
    return tuple(cases)


def _people_cases(steps_scale: float, bc_epochs: int, final: int, curve: int) -> tuple[Case, ...]:
    """GAIL (the defaults: what a person clicking Train gets) and BC, from 10 and 3 episodes of each
    simulated person, scored against that person's own demos."""
    from app.bench.demo_recipes import PERSON_EPISODES
    from core.envs.player_population import DEVELOPMENT, HELD_OUT, POPULATION
    from core.train.settings.config import TrainConfig
    from core.train.settings.env_defaults import ENV_DEFAULTS

    cases = []
    for half, names in (("dev", DEVELOPMENT), ("held-out", HELD_OUT)):
        for name in names:
            env = POPULATION[name].env_key
            steps = max(2048, round(ENV_DEFAULTS[env].get("total_steps", TrainConfig.total_steps) * steps_scale))
            for episodes in PERSON_EPISODES:
                demos = f"person-{name}-{episodes}"
                for algo, settings in (
                    ("gail", {"total_steps": steps}),
                    ("bc", {"algo": "bc", "bc_epochs": bc_epochs}),
                ):
                    cases.append(Case(f"{half}-{name}-{algo}-{episodes}", env, demos, settings, curve, 10, final))
    return tuple(cases)


_FULL = _cases(1_000_000, 50_000, 200, final=50, curve=10)
_PEOPLE = _people_cases(1.0, 200, final=50, curve=8)
SUITES = {
    "full": Suite("full", _FULL, 100_000, seeds=3),
    "quick": Suite("quick", _cases(150_000, 30_000, 100, final=10, curve=4), 20_000, seeds=1),
    # End to end in seconds, for the test suite; its figures mean nothing.
    "smoke": Suite("smoke", _cases(2048, 2048, 2, final=2, curve=1), 500, seeds=1),
    "human": Suite("human", tuple(case for case in _FULL if "-human-" in case.name), 100_000, seeds=3),
    "paper": Suite("paper", _paper_cases(1.0, 200, final=50, curve=8), 100_000, seeds=3),
    "paper-smoke": Suite("paper-smoke", _paper_cases(0.0, 2, final=2, curve=1), 500, seeds=1),
    "people": Suite("people", _PEOPLE, 100_000, seeds=3),
    "people-dev": Suite("people-dev", tuple(case for case in _PEOPLE if case.name.startswith("dev-")), 100_000, 3),
    "people-held-out": Suite(
        "people-held-out", tuple(case for case in _PEOPLE if case.name.startswith("held-out-")), 100_000, 3
    ),
    "people-smoke": Suite("people-smoke", _people_cases(0.0, 2, final=2, curve=1), 500, seeds=1),
}
