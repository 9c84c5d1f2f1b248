"""The simulated keyboard player: its hands behave as documented, and skill orders its results."""

import numpy as np
import pytest

from core.envs.human_player import SKILL_LEVELS, HandModel, make_human_player
from core.envs.registry import get_spec
from core.errors import EnvError


def play(env_key, skill, seeds, player_seed=0):
    spec = get_spec(env_key)
    env = spec.make()
    player = make_human_player(env_key, skill, seed=player_seed)
    returns, actions = [], []
    for seed in seeds:
        obs, _ = env.reset(seed=seed)
        player.reset(obs)
        total, done, taken = 0.0, False, []
        while not done:
            action = player.act(obs)
            taken.append(action)
            obs, reward, terminated, truncated, _ = env.step(action)
            total += reward
            done = terminated or truncated
        returns.append(total)
        actions.append(taken)
    env.close()
    return np.array(returns), actions


def test_skill_sets_quicker_steadier_hands():
    beginner, expert = HandModel.for_skill(0.0, 50), HandModel.for_skill(1.0, 50)
    assert beginner.delay > expert.delay >= 1
    assert beginner.hold > expert.hold >= 1
    assert beginner.slip_rate > expert.slip_rate > 0
    assert beginner.slip_frames[1] > expert.slip_frames[1]
    # The same player in a slower env: the same times in fewer frames.
    assert HandModel.for_skill(0.5, 15).delay < HandModel.for_skill(0.5, 50).delay


def test_a_pressed_key_is_held_for_the_minimum_hold():
    _, episodes = play("LunarLander-v3", SKILL_LEVELS["good"], range(1000, 1003))
    hold = HandModel.for_skill(SKILL_LEVELS["good"], 50).hold
    for actions in episodes:
        changes = [t for t in range(1, len(actions)) if actions[t] != actions[t - 1]]
        runs = np.diff(changes)
        assert len(runs) > 5 and runs.min() >= hold


def test_the_good_player_lands_sometimes_and_beats_the_weak_one():
    # The two levels the benchmark records: like people, the good one lands some episodes and
    # crashes others; the weak one mostly crashes. Neither is the scripted expert (~240).
    good, _ = play("LunarLander-v3", SKILL_LEVELS["good"], range(1000, 1020))
    weak, _ = play("LunarLander-v3", SKILL_LEVELS["weak"], range(1000, 1020))
    assert (good > 200).sum() >= 2 and (good < 0).sum() >= 5
    assert 0 < good.mean() < 200
    assert weak.mean() < good.mean() - 30


def test_the_same_seeds_give_the_same_play():
    first, _ = play("CartPole-v1", 0.8, range(3), player_seed=5)
    second, _ = play("CartPole-v1", 0.8, range(3), player_seed=5)
    assert np.array_equal(first, second)


@pytest.mark.parametrize(
    ("env_key", "skill", "message"),
    [
        ("LunarLanderContinuous-v3", 0.5, "discrete envs only"),
        ("CarRacing-v3", 0.5, "no scripted intent for CarRacing-v3"),
        ("LunarLander-v3", 1.5, "skill must be in [0, 1]"),
    ],
)
def test_what_it_cannot_play_is_said(env_key, skill, message):
    with pytest.raises(EnvError, match=message.replace("[", r"\[").replace("]", r"\]")):
        make_human_player(env_key, skill)
