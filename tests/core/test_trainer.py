import json
import multiprocessing
import queue
import threading
import time

import numpy as np
import pytest
import torch

from core.data.demo_set import load_demo_set
from core.errors import CheckpointError, ConfigError, DemoError, TrainingError
from core.paths import sample_demos_dir
from core.rl import gail
from core.train.evaluate import evaluate_policy, random_policy_return
from core.train.events import CheckpointSaved, Failed, Finished, IterationStats, PolicySnapshot, TrainControl
from core.train.metrics import METRICS
from core.train.runs.checkpoint import load_checkpoint
from core.train.runs.run_dir import RunDir
from core.train.settings.config import default_config
from core.train.settings.device import resolve_device
from core.train.stale_batch import MAX_SAMPLE_WEIGHT
from core.train.trainer import Trainer

TINY = {
    "num_envs": 2,
    "num_steps": 64,
    "num_minibatches": 2,
    "update_epochs": 2,
    "eval_every_iters": 0,
    "total_steps": 512,
}


@pytest.fixture(scope="module")
def cartpole_demos():
    return load_demo_set(sample_demos_dir("CartPole-v1"))


def events_of(trainer, control=None):
    return list(trainer.run(control))


@pytest.mark.parametrize("generator", ["ppo-clip", "ppo-kl", "trpo"])
def test_a_short_run_emits_the_contract_events(tmp_path, cartpole_demos, generator):
    config = default_config("CartPole-v1", generator=generator, checkpoint_every_iters=2, **TINY)
    events = events_of(Trainer(config, cartpole_demos, run_dir=tmp_path / "run"))
    stats = [e for e in events if isinstance(e, IterationStats)]
    assert [s.env_steps for s in stats] == [128, 256, 384, 512]
    for key in (
        "disc_expert",
        "disc_policy",
        "disc_loss",
        "disc_accuracy",
        "imitation_reward",
        "entropy",
        "value_loss",
        "approx_kl",
        "steps_per_s",
    ):
        assert key in stats[-1].scalars
    assert ("kl_beta" in stats[-1].scalars) == (generator == "ppo-kl")
    assert any(isinstance(e, PolicySnapshot) for e in events)
    assert any(isinstance(e, CheckpointSaved) for e in events)
    assert isinstance(events[-1], Finished) and not events[-1].stopped_early
    assert len(RunDir(tmp_path / "run").metrics()) == 4
    assert json.loads((tmp_path / "run" / "final_eval.json").read_text())["episodes"] == 10
    # Every number reported is declared, with its label and unit, in core.train.metrics.
    reported = {key for record in RunDir(tmp_path / "run").metrics() for key in record}
    assert reported <= set(METRICS), reported - set(METRICS)


@pytest.mark.parametrize("rollout_process", [False, True])
def test_stop_is_honoured_within_a_second(cartpole_demos, rollout_process):
    config = default_config("CartPole-v1", rollout_process=rollout_process, **{**TINY, "total_steps": 10_000_000})
    control = TrainControl()
    trainer = Trainer(config, cartpole_demos)
    stopped_at = {}

    training = threading.Event()

    def consume():
        for event in trainer.run(control):
            if isinstance(event, IterationStats):
                training.set()
            if isinstance(event, Finished):
                stopped_at["time"] = time.perf_counter()
                stopped_at["event"] = event

    thread = threading.Thread(target=consume)
    thread.start()
    assert training.wait(timeout=60)  # an iteration went by: it is training
    asked = time.perf_counter()
    control.stop()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert stopped_at["event"].stopped_early
    assert stopped_at["time"] - asked < 1.0
    assert not multiprocessing.active_children()


def test_with_a_rollout_process_batches_arrive_one_update_old_and_are_reweighted(tmp_path, cartpole_demos):
    config = default_config("CartPole-v1", rollout_process=True, checkpoint_every_iters=2, **TINY)
    trainer = Trainer(config, cartpole_demos, run_dir=tmp_path / "run")
    seen_weights = []
    real_to_buffer = trainer._to_buffer

    def spy(batch):
        buffer, weights = real_to_buffer(batch)
        seen_weights.append(weights)
        return buffer, weights

    trainer._to_buffer = spy
    events = events_of(trainer)
    stats = [e for e in events if isinstance(e, IterationStats)]
    assert [s.env_steps for s in stats] == [128, 256, 384, 512]
    assert isinstance(events[-1], Finished) and not events[-1].stopped_early
    assert not multiprocessing.active_children()
    # The first batch comes from the policy it trains (all weights 1); later ones from the policy
    # of one update before, so pi_now / pi_behaviour differs from 1, capped at MAX_SAMPLE_WEIGHT.
    torch.testing.assert_close(seen_weights[0], torch.ones(128))
    assert all((w - 1).abs().max() > 1e-3 for w in seen_weights[1:])
    assert all(float(w.max()) <= MAX_SAMPLE_WEIGHT and float(w.min()) > 0 for w in seen_weights)


def test_pause_holds_the_trainer_until_resume(cartpole_demos):
    config = default_config("CartPole-v1", **TINY)
    control = TrainControl()
    control.pause()
    events: queue.Queue = queue.Queue()

    def consume():
        for event in Trainer(config, cartpole_demos).run(control):
            events.put(event)

    thread = threading.Thread(target=consume)
    thread.start()
    with pytest.raises(queue.Empty):  # paused from the start: nothing in a second
        events.get(timeout=1.0)
    control.resume()
    thread.join(timeout=30)
    seen = [events.get_nowait() for _ in range(events.qsize())]
    assert isinstance(seen[-1], Finished) and not seen[-1].stopped_early


def test_nan_becomes_failed_naming_the_quantity_and_keeps_the_checkpoint(tmp_path, cartpole_demos, monkeypatch):
    calls = {"n": 0}
    real_reward = gail.imitation_reward

    def poisoned(logits, form):
        calls["n"] += 1
        rewards = real_reward(logits, form)
        return rewards * float("nan") if calls["n"] > 1 else rewards

    monkeypatch.setattr(gail, "imitation_reward", poisoned)
    config = default_config("CartPole-v1", checkpoint_every_iters=1, absorbing=False, **TINY)
    events = events_of(Trainer(config, cartpole_demos, run_dir=tmp_path / "run"))
    failed = events[-1]
    assert isinstance(failed, Failed)
    assert "diverged" in failed.message and "iteration 2" in failed.message
    assert failed.checkpoint == tmp_path / "run" / "checkpoints" / "latest.safetensors"
    checkpoint = load_checkpoint(tmp_path / "run")
    assert checkpoint.state["iteration"] == 1
    assert all(torch.isfinite(t).all() for t in checkpoint.tensors["policy"].values())


def test_checkpoint_round_trip_and_resume(tmp_path, cartpole_demos):
    config = default_config("CartPole-v1", **TINY)
    first = Trainer(config, cartpole_demos, run_dir=tmp_path / "run")
    events_of(first)
    resumed = Trainer(config.replace(total_steps=768), cartpole_demos, run_dir=tmp_path / "run", resume=True)
    assert resumed.env_steps == 512 and resumed.iteration == 4
    for key, value in first.policy.state_dict().items():
        torch.testing.assert_close(resumed.policy.state_dict()[key], value)
    for key, value in first.disc.state_dict().items():
        torch.testing.assert_close(resumed.disc.state_dict()[key], value)
    events = events_of(resumed)
    assert [e.env_steps for e in events if isinstance(e, IterationStats)] == [640, 768]
    assert len(RunDir(tmp_path / "run").metrics()) == 6


def test_corrupt_checkpoint_is_a_clear_error(tmp_path, cartpole_demos):
    config = default_config("CartPole-v1", **TINY)
    events_of(Trainer(config, cartpole_demos, run_dir=tmp_path / "run"))
    (tmp_path / "run" / "checkpoints" / "latest.safetensors").write_bytes(b"\x00" * 20)
    with pytest.raises(CheckpointError, match=r"latest\.safetensors: corrupt \(its sha256 differs"):
        Trainer(config, cartpole_demos, run_dir=tmp_path / "run", resume=True)


def test_bad_inputs_are_named(cartpole_demos, tmp_path):
    lander = load_demo_set(sample_demos_dir("LunarLander-v3"))
    with pytest.raises(DemoError, match="recorded in LunarLander-v3, but training is for CartPole-v1"):
        Trainer(default_config("CartPole-v1", **TINY), lander)
    with pytest.raises(ConfigError, match=r"clip_coef: 2.0 is outside the allowed range"):
        default_config("CartPole-v1", clip_coef=2.0)
    with pytest.raises(ConfigError, match="unknown setting"):
        default_config("CartPole-v1", clip=0.1)
    with pytest.raises(ConfigError, match="generator: 'sac' is not one of"):
        default_config("CartPole-v1", generator="sac")
    with pytest.raises(ConfigError, match="num_envs: expected int"):
        default_config("CartPole-v1", num_envs="8")


def test_cuda_requested_without_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(TrainingError, match="cuda was requested"):
        resolve_device("cuda")
    assert resolve_device("auto").type == "cpu"


def test_behaviour_cloning_imitates_cartpole(cartpole_demos):
    config = default_config("CartPole-v1", algo="bc", bc_epochs=20, eval_every_iters=0)
    trainer = Trainer(config, cartpole_demos)
    events = events_of(trainer)
    losses = [e.scalars["bc_loss"] for e in events if isinstance(e, IterationStats)]
    assert losses[-1] < losses[0]
    assert {key for e in events if isinstance(e, IterationStats) for key in e.scalars} <= set(METRICS)
    assert events[-1].final_eval.return_mean > 400


def test_gail_smoke_on_cartpole_learns_well_above_random(cartpole_demos):
    """A short GAIL + PPO-clip run with the seed's ln D reward (well under 60 s on 2 cores)."""
    torch.set_num_threads(1)
    config = default_config("CartPole-v1", total_steps=20_480, eval_every_iters=0, seed=1)
    trainer = Trainer(config, cartpole_demos)
    events = events_of(trainer)
    assert isinstance(events[-1], Finished)
    random_return = random_policy_return(trainer.spec, episodes=20)
    learned = evaluate_policy(trainer.rollout_policy, trainer.spec, 10).mean_return
    assert random_return < 30
    assert learned > 150, learned
    assert np.isfinite(learned)


def test_the_seeds_objective_can_train_d(cartpole_demos):
    # The seed's F as D's loss: D still tells expert from policy pairs, and F is negative.
    config = default_config("CartPole-v1", disc_loss="seed-f", disc_steps=5, **TINY)
    stats = [e for e in events_of(Trainer(config, cartpole_demos)) if isinstance(e, IterationStats)]
    last = stats[-1].scalars
    assert last["disc_expert"] > last["disc_policy"]
    assert all(s.scalars["disc_loss"] < 0 for s in stats)


def test_behaviour_cloning_checkpoints_as_it_goes_with_its_optimizer(tmp_path, cartpole_demos):
    config = default_config("CartPole-v1", algo="bc", bc_epochs=4, checkpoint_every_iters=2, eval_every_iters=0)
    events = events_of(Trainer(config, cartpole_demos, run_dir=tmp_path / "run"))
    assert sum(isinstance(e, CheckpointSaved) for e in events) == 3  # after epochs 2 and 4, and at the end
    checkpoint = load_checkpoint(tmp_path / "run")
    assert "bc_opt" in checkpoint.tensors and checkpoint.state["iteration"] == 4
