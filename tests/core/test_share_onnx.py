"""ONNX export: onnxruntime plays the exported policy as torch does."""

import numpy as np
import pytest
import torch

from core.data.demo_set import load_demo_set
from core.errors import StudioError
from core.paths import sample_demos_dir
from core.share.onnx_export import export_onnx
from core.train.runs.run_dir import RunDir
from core.train.settings.config import default_config
from core.train.trainer import Trainer
from tests.tiny import TINY_SETTINGS

ort = pytest.importorskip("onnxruntime")
TINY = TINY_SETTINGS


def trained_run(tmp_path, env):
    config = default_config(env, total_steps=256, bc_warmstart_epochs=3, rollout_process=False, **TINY)
    trainer = Trainer(config, load_demo_set(sample_demos_dir(env)), run_dir=tmp_path / env)
    list(trainer.run())
    return trainer.run_dir


def observations(env, count=1000):
    """States the policy meets (the demos'), spread a little, as float32."""
    demos = load_demo_set(sample_demos_dir(env))
    obs, _ = demos.transitions()
    rng = np.random.default_rng(0)
    picked = obs[rng.integers(len(obs), size=count)]
    return (picked + rng.normal(0, 0.05, picked.shape)).astype(np.float32)


def test_discrete_actions_match_exactly_and_logits_within_1e_5(tmp_path):
    run = trained_run(tmp_path, "LunarLander-v3")
    path = export_onnx(run, tmp_path / "policy.onnx")
    session = ort.InferenceSession(str(path))
    assert [i.name for i in session.get_inputs()] == ["obs"]
    assert [o.name for o in session.get_outputs()] == ["action", "logits"]
    obs = observations("LunarLander-v3")
    actions, logits = session.run(None, {"obs": obs})
    policy, _ = RunDir(run).load_policy()
    with torch.no_grad():
        expected_actions, _, _ = policy.act(torch.as_tensor(obs), deterministic=True)
        expected_logits = policy.actor(policy.obs_norm(torch.as_tensor(obs)))
    assert np.array_equal(actions, expected_actions.numpy())
    assert np.abs(logits - expected_logits.numpy()).max() < 1e-5
    assert len(set(actions.tolist())) > 1  # a policy that always does the same proves little
    with pytest.raises(StudioError, match=r"name the file \.onnx"):
        export_onnx(run, tmp_path / "policy.txt")


def test_continuous_actions_are_the_clipped_mean(tmp_path):
    run = trained_run(tmp_path, "LunarLanderContinuous-v3")
    session = ort.InferenceSession(str(export_onnx(run, tmp_path / "policy.onnx")))
    assert [o.name for o in session.get_outputs()] == ["action", "mean"]
    obs = observations("LunarLanderContinuous-v3")
    actions, mean = session.run(None, {"obs": obs})
    policy, _ = RunDir(run).load_policy()
    with torch.no_grad():
        expected, _, _ = policy.act(torch.as_tensor(obs), deterministic=True)
    assert np.abs(mean - expected.numpy()).max() < 1e-5
    assert np.abs(actions - np.clip(expected.numpy(), -1.0, 1.0)).max() < 1e-5
