"""The bundled sample demo sets: present for every env with an expert, valid and replayable."""

import pytest

from core.data.demo_set import load_demo_set
from core.data.replay import verify_replay
from core.envs.experts import CONTROLLERS
from core.paths import sample_demos_dir


@pytest.mark.parametrize("env_key", sorted(CONTROLLERS))
def test_sample_set_is_ten_good_expert_episodes(env_key):
    demo_set = load_demo_set(sample_demos_dir(env_key), env_key=env_key)
    assert not demo_set.invalid
    assert len(demo_set.episodes) == 10
    assert {episode.meta.source for episode in demo_set.episodes} == {"scripted"}
    for episode in demo_set.episodes:
        assert verify_replay(episode).ok


def test_lunar_lander_samples_are_landings():
    demo_set = load_demo_set(sample_demos_dir("LunarLander-v3"))
    assert demo_set.returns.min() >= 200
