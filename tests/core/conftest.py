import pytest

from core.data.recorder import Recorder
from core.envs.experts import make_expert
from core.envs.human_player import make_human_player
from core.envs.registry import get_spec


def record_expert_episodes(folder, env_key="CartPole-v1", count=2, first_seed=0, max_steps=None):
    """Write ``count`` scripted episodes into ``folder``; returns their paths."""
    spec = get_spec(env_key)
    expert = make_expert(env_key)
    recorder = Recorder(spec, folder, source="scripted", source_detail=expert.description)
    paths = []
    for seed in range(first_seed, first_seed + count):
        obs = recorder.reset(seed=seed)
        expert.reset(obs)
        while not recorder.done:
            obs = recorder.step(expert.act(obs)).observation
        paths.append(recorder.keep())
    recorder.close()
    return paths


@pytest.fixture
def lander_demos(tmp_path):
    """A folder with three scripted LunarLander episodes."""
    folder = tmp_path / "LunarLander-v3"
    record_expert_episodes(folder, "LunarLander-v3", count=3)
    return folder


@pytest.fixture
def mixed_lander_demos(tmp_path):
    """Two scripted landings and two episodes of the weak keyboard player (both crash)."""
    folder = tmp_path / "LunarLander-v3"
    record_expert_episodes(folder, "LunarLander-v3", count=2)
    player = make_human_player("LunarLander-v3", 0.0, seed=0)
    recorder = Recorder(get_spec("LunarLander-v3"), folder, source="human")
    for seed in (1000, 1001):
        obs = recorder.reset(seed=seed)
        player.reset(obs)
        while not recorder.done:
            obs = recorder.step(player.act(obs)).observation
        recorder.keep()
    recorder.close()
    return folder
