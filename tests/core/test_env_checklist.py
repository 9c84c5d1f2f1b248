"""Every registered env has each fact the app needs of it: the checklist a new env is held to.

The facts live where their layer is (ARCHITECTURE.md, "A new environment"): the key map, path
axes and fps in its ``EnvSpec``, its ending rule in ``core.envs.endings.ENDING_RULES``, its
scripted expert in ``core.envs.experts.CONTROLLERS`` (or ``STATE_EXPERTS``), its training defaults in
``core.train.settings.env_defaults.ENV_DEFAULTS`` and its sample demos in ``resources/demos/``. A new
env missing one fails here by name instead of falling back to generic words in silence.
"""

import pytest

from core.data.demo_set import episode_files
from core.envs.endings import ENDING_RULES
from core.envs.experts import EXPERT_ENVS
from core.envs.registry import GAME_KEYS, GENERIC_PATH_AXES, REGISTRY
from core.paths import sample_demos_dir
from core.train.settings.env_defaults import ENV_DEFAULTS

SPECS = list(REGISTRY.values())


@pytest.mark.parametrize("spec", SPECS, ids=[spec.key for spec in SPECS])
def test_every_env_can_be_played_and_its_endings_read(spec):
    assert spec.key_actions and spec.legend and spec.idle_note, "key map, legend and the no-key action"
    assert set(spec.key_actions) <= GAME_KEYS | {"Space"}, "keys a player reaches for"
    assert spec.fps > 0 and spec.max_episode_steps > 0
    assert spec.gym_id in ENDING_RULES, f"{spec.gym_id}: no ending rule (what a terminated episode means)"


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.key)
def test_every_env_has_an_expert_and_defaults(spec):
    assert spec.key in EXPERT_ENVS, f"{spec.key}: no scripted expert (the benchmark and record-expert need one)"
    assert spec.key in ENV_DEFAULTS, f"{spec.key}: no training defaults"


# A pixel env's demos are megabytes an episode (not bundled) and its paths have no state axes.
@pytest.mark.parametrize("spec", [spec for spec in SPECS if spec.pixels is None], ids=lambda spec: spec.key)
def test_every_vector_env_has_samples_and_paths(spec):
    assert episode_files(sample_demos_dir(spec.key)), f"{spec.key}: no sample demos in resources/demos/"
    assert spec.path_axes != GENERIC_PATH_AXES, f"{spec.key}: the Watch view's paths need named axes"
    assert max(spec.path_axes.x_dim, spec.path_axes.y_dim) < spec.obs_shape[0]
