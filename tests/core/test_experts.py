import dataclasses

import numpy as np
import pytest

from core.envs.experts import ImperfectExpert, make_expert
from core.envs.playing import play_episodes
from core.envs.registry import get_spec
from core.errors import EnvError


def mean_return(env_key, seeds, **imperfection):
    spec = get_spec(env_key)
    expert = make_expert(env_key, seed=0, **imperfection)
    returns = [episode.episode_return for episode in play_episodes(spec, expert, seeds)]
    return float(np.mean(returns))


@pytest.mark.parametrize(
    ("env_key", "level"),
    [
        ("LunarLander-v3", 200.0),
        ("LunarLanderContinuous-v3", 200.0),
        ("CartPole-v1", 500.0),
        ("MountainCar-v0", -130.0),
        ("Acrobot-v1", -100.0),
    ],
)
def test_expert_reaches_its_level_over_20_seeds(env_key, level):
    score = mean_return(env_key, range(20))
    if level == 500.0:
        assert score == 500.0
    else:
        assert score > level


def test_noise_and_delay_make_the_expert_worse():
    perfect = mean_return("CartPole-v1", range(5))
    sloppy = mean_return("CartPole-v1", range(5), noise=0.5, delay_steps=3)
    assert sloppy < perfect


def test_delay_acts_on_the_observation_k_steps_back():
    expert = make_expert("MountainCar-v0", delay_steps=2)
    moving_left, moving_right = np.array([-0.5, -0.01]), np.array([-0.5, 0.01])
    expert.reset(moving_left)
    actions = [expert.act(moving_left)] + [expert.act(moving_right) for _ in range(3)]
    assert actions == [0, 0, 0, 2]


def test_full_noise_gives_every_action():
    expert = make_expert("Acrobot-v1", noise=1.0, seed=1)
    expert.reset(np.zeros(6))
    assert {expert.act(np.zeros(6)) for _ in range(100)} == {0, 1, 2}


def test_bad_imperfection_and_missing_expert_are_reported():
    with pytest.raises(EnvError, match="probability"):
        make_expert("CartPole-v1", noise=1.5)
    with pytest.raises(EnvError, match="delay"):
        make_expert("CartPole-v1", delay_steps=-1)
    without_expert = dataclasses.replace(get_spec("CartPole-v1"), key="NoExpert-v0")
    with pytest.raises(EnvError, match="no scripted expert for NoExpert-v0"):
        ImperfectExpert(without_expert)
