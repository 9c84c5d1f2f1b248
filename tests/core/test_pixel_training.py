"""CarRacing from the pixels: the input pipeline agrees in every place that builds it, the torch
rollout policy matches the network, and BC and GAIL train, evaluate and save on short laps."""

import dataclasses

import numpy as np
import pytest
import torch

from core.data.demo_set import load_demo_set
from core.data.recorder import Recorder
from core.envs import registry
from core.envs.pixel_inputs import PixelInputs
from core.rl.nets import ActorCritic, Discriminator
from core.rl.torch_policy import TorchPolicy
from core.train.events import Failed, Finished
from core.train.settings.config import default_config
from core.train.trainer import Trainer

CAR = registry.get_spec("CarRacing-v3")
SHORT_STEPS = 40


def test_episode_inputs_equal_the_stream_a_loop_builds():
    pixels = PixelInputs(frame_shape=(96, 96, 3), frame_stack=3, frame_gap=2)
    frames = np.random.default_rng(0).integers(0, 256, (9, 96, 96, 3), dtype=np.uint8)
    whole = pixels.episode_inputs(frames)
    spec = dataclasses.replace(CAR, pixels=pixels)
    stream = spec.input_stream()
    streamed = [stream.reset(frames[0])] + [stream.push(frame) for frame in frames[1:]]
    np.testing.assert_array_equal(whole, np.stack(streamed))
    for t in range(len(frames)):
        np.testing.assert_array_equal(spec.latest_input(list(frames[: t + 1])), whole[t])
    assert whole.dtype == np.uint8 and whole.shape == (9, pixels.input_dim)
    # Newest frame last; the first frame stands in before the episode began.
    newest = pixels.frame_features(frames[5]).reshape(-1)
    np.testing.assert_array_equal(whole[5][-len(newest) :], newest)
    np.testing.assert_array_equal(whole[0].reshape(3, -1)[0], whole[0].reshape(3, -1)[2])


def test_grey_halving_is_block_means_of_luma():
    frame = np.zeros((96, 96, 3), np.uint8)
    frame[:2, :2] = (255, 0, 0)  # a red 2x2 block: luma 0.299 * 255
    grey = CAR.pixels.frame_features(frame)
    assert grey.shape == (48, 48)
    assert grey[0, 0] == round(0.299 * 255) and grey[0, 1] == 0


def test_the_torch_rollout_policy_is_the_network():
    torch.manual_seed(0)
    policy = ActorCritic(CAR, hidden=32)
    obs = np.random.default_rng(1).integers(0, 256, (4, CAR.input_dim), dtype=np.uint8)
    fast = TorchPolicy({k: v.numpy() for k, v in policy.state_dict().items()}, CAR)
    actions, logp, values = fast.act(obs, np.random.default_rng(2))
    tensor = torch.as_tensor(obs)
    with torch.no_grad():
        dist = policy.distribution(tensor)
        np.testing.assert_allclose(logp, policy.log_prob(dist, torch.as_tensor(actions)).numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(values, policy.value(tensor).numpy(), rtol=1e-5, atol=1e-5)
    deterministic, _, _ = fast.act(obs, np.random.default_rng(2), deterministic=True)
    np.testing.assert_allclose(deterministic, dist.mean.numpy(), rtol=1e-5, atol=1e-5)


def test_d_takes_pixels_and_actions_and_differentiates_through_its_inputs():
    disc = Discriminator(CAR, hidden=32, judges_endings=True)
    obs = torch.randint(0, 256, (5, CAR.input_dim), dtype=torch.uint8)
    actions = torch.rand(5, 3)
    inputs = disc.inputs(obs, actions).requires_grad_(True)
    logits = disc.logits_from_inputs(inputs, actions)
    (grad,) = torch.autograd.grad(logits.sum(), inputs, create_graph=True)
    assert logits.shape == (5,) and grad.shape == inputs.shape and torch.isfinite(grad).all()
    assert disc.ending_logits(obs).shape == (5,)


@pytest.fixture
def short_laps(tmp_path, monkeypatch):
    """Two 40-step CarRacing episodes driven straight on, recorded as a person's would be."""
    short = dataclasses.replace(CAR, gym_kwargs={"max_episode_steps": SHORT_STEPS})
    monkeypatch.setitem(registry.REGISTRY, CAR.key, short)
    folder = tmp_path / "demos"
    recorder = Recorder(short, folder, source="scripted", source_detail="straight on")
    for seed in range(2):
        recorder.reset(seed=seed)
        while not recorder.done:
            recorder.step(np.array([0.0, 0.6, 0.0], np.float32))
        recorder.keep()
    recorder.close()
    return load_demo_set(folder)


@pytest.mark.parametrize("algo", ["bc", "gail"])
def test_bc_and_gail_train_from_pixels_and_finish(tmp_path, short_laps, algo):
    config = dataclasses.replace(
        default_config("CarRacing-v3"),
        algo=algo,
        total_steps=128,
        num_envs=2,
        num_steps=32,
        num_minibatches=2,
        bc_epochs=2,
        bc_warmstart_epochs=1,
        eval_every_iters=1,
        eval_episodes=1,
        rollout_process=False,  # a spawned child would not see the short episodes
    )
    trainer = Trainer(config, short_laps, tmp_path / "run")
    ends = [event for event in trainer.run() if isinstance(event, Finished | Failed)]
    assert isinstance(ends[-1], Finished), ends[-1]
    final = ends[-1].final_eval
    assert final.length_mean == SHORT_STEPS and np.isfinite(final.return_mean)
    assert (tmp_path / "run" / "final_eval.json").is_file()
