"""How episodes ended, per env, from the last observation and reward."""

import numpy as np

from core.envs.endings import above_top_edge, classify_ending
from core.envs.registry import get_spec

LUNAR = get_spec("LunarLander-v3")


def lunar_obs(x: float, y: float) -> np.ndarray:
    return np.array([x, y, 0, 0, 0, 0, 0, 0], dtype=np.float32)


def test_lunar_lander_endings():
    assert classify_ending(LUNAR, lunar_obs(0.05, 0.0), 100.0, True).text == "landed on the pad"
    assert classify_ending(LUNAR, lunar_obs(0.6, 0.0), 100.0, True).text == "landed outside the pad"
    crash = classify_ending(LUNAR, lunar_obs(0.1, 0.0), -100.0, True)
    assert crash.text == "crashed" and crash.failed
    assert classify_ending(LUNAR, lunar_obs(-1.02, 0.5), -100.0, True).text == "flew off the side"
    assert classify_ending(LUNAR, lunar_obs(0.0, 0.8), -0.3, False).failed  # hovering at the time limit


def test_other_envs_read_terminated_their_own_way():
    cartpole = get_spec("CartPole-v1")
    assert classify_ending(cartpole, np.zeros(4), 1.0, True).failed  # the pole fell
    assert not classify_ending(cartpole, np.zeros(4), 1.0, False).failed  # balanced to the limit
    mountain = get_spec("MountainCar-v0")
    assert not classify_ending(mountain, np.zeros(2), -1.0, True).failed  # the flag
    assert classify_ending(mountain, np.zeros(2), -1.0, False).failed


def test_the_real_samples_landed_and_a_real_crash_is_a_crash():
    from core.data.demo_set import load_demo_set
    from core.data.recorder import Recorder
    from core.paths import sample_demos_dir

    samples = load_demo_set(sample_demos_dir("LunarLander-v3"))
    assert not any(episode.ending.failed for episode in samples.episodes)
    recorder = Recorder(LUNAR, sample_demos_dir("LunarLander-v3"))  # nothing is written: no keep()
    recorder.reset(seed=3)
    while not recorder.done:
        recorder.step(0)  # engines off: it falls
    assert recorder.episode().ending.text == "crashed"
    recorder.close()


def test_a_lander_above_the_picture_is_located_by_its_x():
    assert above_top_edge(LUNAR, lunar_obs(0.0, 1.0)) is None
    assert above_top_edge(LUNAR, lunar_obs(0.0, 1.6)) == 0.5
    assert above_top_edge(LUNAR, lunar_obs(-1.0, 2.0)) == 0.0
    assert above_top_edge(get_spec("CartPole-v1"), np.array([0.0, 5.0, 0, 0])) is None
