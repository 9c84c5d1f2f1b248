"""The benchmark's simulated people: distinct players, split once into two fixed halves."""

import numpy as np
import pytest

from core.envs.experts import cartpole, lunar_lander_discrete
from core.envs.piloting_styles import LanderStyle, PoleStyle
from core.envs.player_population import DEVELOPMENT, HELD_OUT, POPULATION, population_player
from core.envs.playing import play_episodes
from core.envs.registry import get_spec
from core.errors import EnvError


def play(name, seeds):
    """Each episode's return and how it ended, played by ``name``."""
    played = play_episodes(get_spec(POPULATION[name].env_key), population_player(name, seed=0), seeds)
    return [(episode.episode_return, episode.ending.text) for episode in played]


def test_the_halves_are_fixed_disjoint_and_cover_the_population_and_both_envs():
    assert set(DEVELOPMENT).isdisjoint(HELD_OUT) and set(DEVELOPMENT) | set(HELD_OUT) == set(POPULATION)
    assert len(POPULATION) >= 8
    for half in (DEVELOPMENT, HELD_OUT):
        assert {POPULATION[name].env_key for name in half} == {"LunarLander-v3", "CartPole-v1"}


def test_the_plain_styles_are_the_scripted_experts_intent():
    rng = np.random.default_rng(0)
    for _ in range(500):
        lander = rng.uniform(-1, 1, size=8).astype(np.float32)
        lander[6:] = rng.integers(0, 2, size=2)
        assert LanderStyle().intent(lander) == lunar_lander_discrete(lander)
        pole = rng.uniform(-0.2, 0.2, size=4).astype(np.float32)
        assert PoleStyle().intent(pole) == cartpole(pole)


def test_players_differ_in_kind_some_never_land_and_one_hovers_to_the_time_limit():
    seeds = range(1000, 1010)
    endings = {name: [text for _, text in play(name, seeds)] for name in ("beginner", "hover-first", "hoverer")}
    assert not any("landed" in text for text in endings["beginner"])  # a first try: no landing at all
    assert sum("landed" in text for text in endings["hover-first"]) >= 5
    assert any("time limit" in text for text in endings["hoverer"])
    # Same seeds, other people: other games.
    returns = {name: [total for total, _ in play(name, seeds[:3])] for name in ("late-reactor", "slipper")}
    assert returns["late-reactor"] != returns["slipper"]


def test_a_player_is_named_in_its_demos_and_an_unknown_one_is_refused():
    assert population_player("pole-drifter").description == "human-like:CartPole-v1 player=pole-drifter"
    with pytest.raises(EnvError, match="unknown simulated player 'nobody'"):
        population_player("nobody")
