"""Where each benchmark case's demos come from: the bundled samples, or episodes the bench records.

Recorded sets are made once per output folder (``OUT/demos-NAME/ENV``) with fixed reset seeds
(1000 onwards, away from training's and the evaluations'), so every seed of a case, and every
case naming the same recipe, trains on the same files.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from core.envs.player_population import POPULATION

FIRST_DEMO_SEED = 1000
PERSON_EPISODES = (10, 3)


@dataclass(frozen=True)
class DemoRecipe:
    """How to get a demo set: ``samples`` (bundled), ``scripted``, ``human`` or ``person`` (recorded here)."""

    style: str
    episodes: int = 10
    skill: str = ""  # human: a level of core.envs.human_player.SKILL_LEVELS
    player: str = ""  # person: a name of core.envs.player_population.POPULATION
    noise: float = 0.0  # scripted: probability of a random action
    delay: int = 0  # scripted: reaction delay in steps

    def describe(self) -> str:
        if self.style == "samples":
            return "the bundled sample demos"
        if self.style == "human":
            return f"{self.episodes} episodes of the simulated keyboard player, skill {self.skill}"
        if self.style == "person":
            return f"{self.episodes} episodes of the simulated player {self.player!r}"
        extra = f", noise {self.noise:g}, delay {self.delay}" if self.noise or self.delay else ""
        return f"{self.episodes} episodes of the scripted expert{extra}"


DEMO_RECIPES: dict[str, DemoRecipe] = {
    "samples": DemoRecipe("samples"),
    # The scripted expert made sloppy: 20 % random actions and two steps late.
    "imperfect": DemoRecipe("scripted", noise=0.2, delay=2),
    # A person at a keyboard (core/envs/human_player.py), a good one and a weak one.
    "human-good": DemoRecipe("human", skill="good"),
    "human-weak": DemoRecipe("human", skill="weak"),
    "human-good-3": DemoRecipe("human", episodes=3, skill="good"),
    "human-weak-3": DemoRecipe("human", episodes=3, skill="weak"),
    # The coach benchmark's starting point (app/bench/coaching.py).
    "human-good-2": DemoRecipe("human", episodes=2, skill="good"),
    # The GAIL paper's few-trajectory experiment (Ho and Ermon 2016, Fig. 1).
    **{f"expert-{n}": DemoRecipe("scripted", episodes=n) for n in (1, 4, 10)},
    # The population of simulated people (core/envs/player_population.py), 10 and 3 episodes each.
    **{
        f"person-{name}-{episodes}": DemoRecipe("person", episodes=episodes, player=name)
        for name in POPULATION
        for episodes in PERSON_EPISODES
    },
}


def demos_folder(recipe_name: str, env: str, root: Path) -> Path:
    """The folder of ``recipe_name``'s demos for ``env``, recorded under ``root`` if needed."""
    from core.data.demo_set import episode_files
    from core.paths import sample_demos_dir

    recipe = DEMO_RECIPES[recipe_name]
    if recipe.style == "samples":
        return sample_demos_dir(env)
    target = root / f"demos-{recipe_name}" / env
    if target.is_dir() and len(episode_files(target)) == recipe.episodes:
        return target
    # Recorded aside and moved into place whole: an interrupted bench leaves no short set behind.
    partial = target.with_name(f"{env}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    _record(recipe, env, partial)
    partial.rename(target)
    return target


def _record(recipe: DemoRecipe, env: str, target: Path) -> None:
    from core.data.recorder import Recorder
    from core.envs.experts import make_expert
    from core.envs.human_player import SKILL_LEVELS, make_human_player
    from core.envs.player_population import population_player
    from core.envs.registry import get_spec

    if recipe.style == "human":
        player = make_human_player(env, SKILL_LEVELS[recipe.skill], seed=0)
    elif recipe.style == "person":
        player = population_player(recipe.player, seed=0)
    else:
        player = make_expert(env, noise=recipe.noise, delay_steps=recipe.delay, seed=0)
    recorder = Recorder(get_spec(env), target, source="scripted", source_detail=player.description)
    player.bind(recorder.env)
    try:
        for seed in range(FIRST_DEMO_SEED, FIRST_DEMO_SEED + recipe.episodes):
            observation = recorder.reset(seed=seed)
            player.reset(observation)
            while not recorder.done:
                observation = recorder.step(player.act(observation)).observation
            recorder.keep()
    finally:
        recorder.close()
