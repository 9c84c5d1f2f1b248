import pytest

from core.data.recorder import Recorder
from core.envs.experts import make_expert
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
