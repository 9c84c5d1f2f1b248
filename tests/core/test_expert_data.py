"""The demos as the trainer sees them: which endings teach D what an expert ending is."""

import torch

from core.data.demo_set import load_demo_set
from core.envs.registry import get_spec
from core.train.expert_data import ExpertData


def test_failed_endings_teach_d_only_when_asked(mixed_lander_demos):
    demos = load_demo_set(mixed_lander_demos)
    spec = get_spec("LunarLander-v3")
    landed = [e for e in demos.episodes if e.meta.terminated and not e.ending.failed]
    crashed = [e for e in demos.episodes if e.ending.failed]
    assert landed and crashed
    steps = sum(e.length for e in demos.episodes)
    default = ExpertData.from_demos(demos, spec, torch.device("cpu"))
    imitated = ExpertData.from_demos(demos, spec, torch.device("cpu"), failed_endings_are_expert=True)
    # Every step is imitated either way; only the endings differ.
    assert len(default.obs) == len(imitated.obs) == steps
    assert len(default.end_obs) == len(landed) and len(imitated.end_obs) == len(landed) + len(crashed)
    assert torch.allclose(default.end_obs[0], torch.as_tensor(landed[0].observations[-1]))
    assert default.absorbing_share == len(landed) / (steps + len(landed))
