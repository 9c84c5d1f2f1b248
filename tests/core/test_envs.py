import gymnasium as gym
import numpy as np
import pytest

from core.envs.keyboard import KeyboardActions, action_for_keys
from core.envs.registry import REGISTRY, get_spec
from core.errors import EnvError


@pytest.mark.parametrize("spec", REGISTRY.values(), ids=lambda spec: spec.key)
def test_spec_matches_the_real_env(spec):
    env = spec.make()
    assert env.observation_space.shape == spec.obs_shape
    assert env.metadata["render_fps"] == spec.fps
    assert env.spec.max_episode_steps == spec.max_episode_steps
    if spec.is_discrete:
        assert isinstance(env.action_space, gym.spaces.Discrete)
        assert env.action_space.n == spec.n_actions == len(spec.action_names)
    else:
        assert env.action_space.shape == (spec.action_dim,)
        np.testing.assert_array_equal(env.action_space.low, spec.action_low)
        np.testing.assert_array_equal(env.action_space.high, spec.action_high)
        assert env.action_space.contains(np.array(spec.idle_vector, dtype=np.float32))
    env.close()


@pytest.mark.parametrize("spec", [s for s in REGISTRY.values() if s.is_discrete], ids=lambda spec: spec.key)
def test_every_discrete_action_is_reachable_from_the_keys(spec):
    reachable = {action_for_keys(spec, [key]) for key in spec.key_actions}
    reachable |= {action_for_keys(spec, [], index) for index in range(len(spec.idle_actions))}
    assert reachable == set(range(spec.n_actions))


@pytest.mark.parametrize("spec", REGISTRY.values(), ids=lambda spec: spec.key)
def test_arrows_and_wasd_are_twins(spec):
    for arrow, letter in (("Left", "A"), ("Right", "D"), ("Up", "W"), ("Down", "S")):
        assert (arrow in spec.key_actions) == (letter in spec.key_actions)
        if arrow in spec.key_actions:
            assert spec.key_actions[arrow] == spec.key_actions[letter]


def test_lunar_lander_keys_push_the_way_a_player_expects():
    spec = get_spec("LunarLander-v3")
    assert [action_for_keys(spec, [k]) for k in ("Left", "Up", "Right")] == [1, 2, 3]
    assert action_for_keys(spec, []) == 0

    def velocity_after_holding(key):
        env = spec.make()
        obs, _ = env.reset(seed=0)
        start = obs.copy()
        for _ in range(15):
            obs, *_ = env.step(action_for_keys(spec, [key] if key else []))
        env.close()
        return obs[2] - start[2], obs[3] - start[3]

    coast_dx, coast_dy = velocity_after_holding(None)
    assert velocity_after_holding("Left")[0] < coast_dx - 0.1
    assert velocity_after_holding("Right")[0] > coast_dx + 0.1
    assert velocity_after_holding("Up")[1] > coast_dy + 0.5


def test_continuous_lander_keys_match_the_discrete_meaning():
    spec = get_spec("LunarLanderContinuous-v3")
    np.testing.assert_array_equal(action_for_keys(spec, []), [-1, 0])
    np.testing.assert_array_equal(action_for_keys(spec, ["Up"]), [1, 0])
    np.testing.assert_array_equal(action_for_keys(spec, ["Up", "Left"]), [1, -1])
    np.testing.assert_array_equal(action_for_keys(spec, ["Left", "Right"]), [-1, 1])  # later key wins
    np.testing.assert_array_equal(action_for_keys(spec, ["Right", "Left"]), [-1, -1])


def test_keyboard_ignores_auto_repeat_and_most_recent_key_wins():
    keys = KeyboardActions(get_spec("LunarLander-v3"))
    keys.press("Up")
    keys.press("Up")  # auto-repeat
    keys.press("Left")
    assert keys.held == ("Up", "Left")
    assert keys.action() == 1
    keys.release("Left")
    assert keys.action() == 2
    keys.press("Space")  # unmapped keys change nothing
    assert keys.action() == 2
    keys.release_all()
    assert keys.action() == 0


def test_a_tap_shorter_than_a_step_still_acts_once():
    keys = KeyboardActions(get_spec("LunarLander-v3"))
    keys.press("Up")
    keys.release("Up")  # released before any step saw it
    assert keys.held == ("Up",)
    assert keys.action() == 2
    assert keys.held == ()
    assert keys.action() == 0
    keys.press("Left")
    keys.release("Left")
    keys.press("Left")  # pressed again before the step: still held afterwards
    assert keys.action() == 1
    assert keys.action() == 1


def test_continuous_taps_combine_with_held_keys():
    keys = KeyboardActions(get_spec("LunarLanderContinuous-v3"))
    keys.press("Up")
    keys.action()
    keys.press("Right")
    keys.release("Right")
    np.testing.assert_array_equal(keys.action(), [1, 1])
    np.testing.assert_array_equal(keys.action(), [1, 0])


def test_cartpole_idle_alternates_pushes_and_keys_interrupt_it():
    keys = KeyboardActions(get_spec("CartPole-v1"))
    assert [keys.action() for _ in range(4)] == [0, 1, 0, 1]
    keys.press("D")
    assert [keys.action() for _ in range(3)] == [1, 1, 1]
    keys.release("D")
    assert [keys.action() for _ in range(2)] == [0, 1]


def test_unknown_env_names_the_choices():
    with pytest.raises(EnvError, match=r"unknown environment 'Pong-v5'.*CartPole-v1"):
        get_spec("Pong-v5")


def test_check_action_rejects_what_does_not_fit():
    discrete, continuous = get_spec("LunarLander-v3"), get_spec("LunarLanderContinuous-v3")
    assert discrete.check_action(np.int64(3)) == 3
    with pytest.raises(EnvError, match="not an index"):
        discrete.check_action(4)
    with pytest.raises(EnvError, match="shape"):
        continuous.check_action([0.0, 0.0, 0.0])
    with pytest.raises(EnvError, match="not finite"):
        continuous.check_action([np.nan, 0.0])
    np.testing.assert_array_equal(continuous.check_action([2.0, -3.0]), [1.0, -1.0])


def test_car_racing_is_the_pixel_env():
    assert get_spec("CarRacing-v3").pixels is not None
    assert all(spec.pixels is None for key, spec in REGISTRY.items() if key != "CarRacing-v3")
