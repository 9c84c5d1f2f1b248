"""Coach mode's engine: the session, the correction files, and what trains on them."""

import numpy as np
import pytest
import torch

from core.data.demo_set import load_demo_set
from core.data.episode import Episode
from core.data.episode_io import load_episode
from core.data.replay import replay
from core.envs.gamepad import PadState, pad_keys, pad_vector
from core.envs.registry import get_spec
from core.errors import CheckpointError, DemoError
from core.rl.nets import ActorCritic
from core.sessions.coach_session import CoachSession, Control
from core.train.expert_data import ExpertData
from core.train.runs.run_dir import RunDir
from core.train.settings.config import default_config
from core.train.trainer import Trainer
from tests.recordings import record_expert_episodes
from tests.tiny import TINY_SETTINGS

LANDER = get_spec("LunarLander-v3")


def coach(folder, spec=LANDER, seed=3):
    torch.manual_seed(0)
    return CoachSession(ActorCritic(spec), spec, folder, render=False, seed=seed)


def play_with_takeover(session, before=10, held=15, key="Up"):
    """The policy plays ``before`` steps, the person holds ``key`` for ``held`` steps, then lets go."""
    for _ in range(before):
        assert session.step().control is Control.POLICY
    session.press(key)
    for _ in range(held):
        assert session.step().control is Control.PERSON
    session.release(key)
    while not session.done:
        session.step()


def test_a_takeover_is_kept_as_a_correction_that_replays(tmp_path):
    session = coach(tmp_path)
    play_with_takeover(session)
    # Held for 15 steps, then the person's control lasts the hand-back time with nothing held.
    person_steps = session.person_steps
    assert person_steps == 15 + session.hand_back_steps
    path = session.keep()
    episode = load_episode(path)
    assert episode.meta.source == "correction" and episode.is_correction
    acted = episode.person_acted
    assert not acted[:10].any() and acted[10 : 10 + person_steps].all() and not acted[10 + person_steps :].any()
    # Where the policy was in control, its proposal is what was done; where the person was, Up (2).
    assert np.array_equal(episode.policy_actions[~acted], episode.actions[~acted])
    assert (episode.actions[10:25] == 2).all()
    steps = list(replay(episode))
    assert np.allclose(steps[-1].observation, episode.observations[-1])


def test_an_episode_without_a_takeover_is_not_kept(tmp_path):
    session = coach(tmp_path)
    while not session.done:
        session.step()
    assert session.keep() is None
    assert not list(tmp_path.glob("*.npz"))


def test_hand_back_returns_control_at_once_and_keys_outside_the_map_do_not_take_over(tmp_path):
    session = coach(tmp_path)
    session.press("Q")
    assert session.step().control is Control.POLICY
    session.press("Left")
    assert session.step().control is Control.PERSON
    session.hand_back()
    assert session.step().control is Control.POLICY
    assert session.takeovers == 1


def test_only_the_persons_steps_train_and_a_correction_is_not_the_reference(tmp_path):
    record_expert_episodes(tmp_path, "LunarLander-v3", count=1)
    session = coach(tmp_path)
    play_with_takeover(session)
    session.keep()
    demos = load_demo_set(tmp_path)
    whole = next(e for e in demos.episodes if not e.is_correction)
    correction = demos.corrections[0]
    obs, _ = demos.transitions()
    assert len(obs) == whole.length + correction.demonstrated_steps == demos.n_steps
    assert demos.returns.tolist() == [pytest.approx(whole.episode_return)]
    # The person let go before the end: the correction's ending is the policy's, not D's positive.
    expert = ExpertData.from_demos(demos, LANDER, torch.device("cpu"))
    assert len(expert.end_obs) == (1 if whole.meta.terminated else 0)


def test_correction_arrays_are_checked(tmp_path):
    session = coach(tmp_path)
    play_with_takeover(session)
    episode = load_episode(session.keep())
    arrays = (episode.observations, episode.actions, episode.rewards, episode.meta)
    with pytest.raises(DemoError, match="person_acted and policy_actions"):
        Episode(*arrays)
    with pytest.raises(DemoError, match="never acted"):
        Episode(*arrays, None, np.zeros(episode.length, dtype=bool), episode.policy_actions)
    with pytest.raises(DemoError, match="policy_actions must match"):
        Episode(*arrays, None, episode.person_acted, episode.policy_actions[:-1])
    scripted = record_expert_episodes(tmp_path / "s", "LunarLander-v3", count=1)[0]
    plain = load_episode(scripted)
    with pytest.raises(DemoError, match="holds a correction's arrays"):
        Episode(plain.observations, plain.actions, plain.rewards, plain.meta, None, np.ones(plain.length, bool))


def test_pad_maps_to_the_keys_and_to_analog_actions():
    assert pad_keys(PadState(hat=(-1, 0))) == {"Left"}
    assert pad_keys(PadState(axes=(0.9, -0.8))) == {"Right", "Up"}
    assert pad_keys(PadState(axes=(0.1, 0.1), buttons=(True,))) == {"Up"}
    assert not PadState(axes=(0.1, -0.2, 0, 0, 0, -1.0)).active  # resting sticks, released trigger
    continuous = get_spec("LunarLanderContinuous-v3")
    # Half the trigger: main engine halfway from idle (-1) to full (1); stick x 0.6 left: side -0.6.
    action = pad_vector(continuous, PadState(axes=(-0.6, 0.0, 0.0, 0.0, 0.0, 0.0)))
    assert action == pytest.approx([0.0, -0.6])


def test_a_pad_takes_over_a_continuous_lander_with_analog_actions(tmp_path):
    spec = get_spec("LunarLanderContinuous-v3")
    session = coach(tmp_path, spec)
    session.step()
    pad = PadState(axes=(0.5, 0.0, 0.0, 0.0, 0.0, 1.0))  # stick half right, trigger fully pressed
    session.set_pad(pad)
    assert session.step().control is Control.PERSON
    session.set_pad(PadState())
    for _ in range(session.hand_back_steps):
        session.step()
    assert session.step().control is Control.POLICY
    episode = session.recorder.episode()
    assert episode.actions[1] == pytest.approx([1.0, 0.5])


TINY = TINY_SETTINGS


def first_run(tmp_path):
    """Two scripted CartPole demos, a tiny config, and a short run trained on them."""
    record_expert_episodes(tmp_path / "demos", "CartPole-v1", count=2)
    demos = load_demo_set(tmp_path / "demos")
    config = default_config("CartPole-v1", total_steps=128, **TINY)
    first = Trainer(config, demos, run_dir=tmp_path / "first")
    list(first.run())
    return demos, config, first


def test_a_run_started_from_another_begins_with_its_networks_and_skips_the_warm_start(tmp_path):
    demos, config, first = first_run(tmp_path)
    source_policy = {k: v.clone() for k, v in first.policy.state_dict().items()}
    second = Trainer(
        config.replace(bc_warmstart_epochs=50, total_steps=64, seed=1),
        demos,
        tmp_path / "second",
        start_from=first.run_dir,
    )
    assert all(torch.equal(second.policy.state_dict()[k], v) for k, v in source_policy.items())
    warm = []
    second._behaviour_clone = lambda *a, **k: warm.append(1) or 0.0
    list(second.run())
    assert warm == []
    assert RunDir(tmp_path / "second").origin().env_steps == first.env_steps
    with pytest.raises(CheckpointError, match="hidden_size differ"):
        Trainer(config.replace(hidden_size=32), demos, start_from=first.run_dir)


def test_an_ending_the_person_played_is_an_expert_ending(tmp_path):
    session = coach(tmp_path)
    session.step()
    while not session.done:  # the person keeps a key held to the end
        session.press("Up")
        session.step()
    correction = load_episode(session.keep())
    assert correction.ending_demonstrated
    demos = load_demo_set(tmp_path)
    expert = ExpertData.from_demos(demos, LANDER, torch.device("cpu"), failed_endings_are_expert=True)
    assert len(expert.end_obs) == (1 if correction.meta.terminated else 0)


def test_a_set_of_corrections_alone_trains_on_the_persons_steps_and_is_its_own_reference(tmp_path):
    session = coach(tmp_path)
    play_with_takeover(session)
    session.keep()
    demos = load_demo_set(tmp_path)
    assert demos.whole_demos == demos.episodes  # nothing else to measure against
    assert len(demos.transitions()[0]) == demos.corrections[0].demonstrated_steps


def test_selection_filters_judge_corrections_by_a_tick_only(tmp_path):
    from core.data.demo_selection import DemoSelection

    session = coach(tmp_path)
    play_with_takeover(session)
    correction = load_episode(session.keep())
    selection = DemoSelection(successful_only=True, min_return=1e6)
    assert selection.reason_to_leave_out(correction) is None  # its ending and return are the policy's
    assert selection.with_ticked(correction.path.name, False).reason_to_leave_out(correction) == "unticked"


def test_a_coached_run_stopped_before_its_first_checkpoint_resumes_from_its_origin(tmp_path):
    demos, config, first = first_run(tmp_path)
    second = Trainer(config, demos, tmp_path / "second", start_from=first.run_dir)
    second.run_lock.release()  # it never ran: no checkpoint, only its origin.json
    resumed = Trainer(config, demos, tmp_path / "second", resume=True)
    assert resumed.origin is not None
    assert all(torch.equal(resumed.policy.state_dict()[k], v) for k, v in first.policy.state_dict().items())


def test_training_on_corrections_takes_the_runs_own_demos_and_the_corrections_not_other_episodes(tmp_path):
    folder = tmp_path / "demos"
    trained_on = record_expert_episodes(folder, "LunarLander-v3", count=2)
    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    run.write_demo_summary(load_demo_set(folder))
    recorded_since = record_expert_episodes(folder, "LunarLander-v3", count=1, first_seed=7)
    session = coach(folder)
    play_with_takeover(session)
    correction = session.keep()
    session.close()
    demos = run.demos_with_corrections("LunarLander-v3", folder)
    assert sorted(episode.path for episode in demos.episodes) == sorted([*trained_on, correction])
    assert recorded_since[0] in [episode.path for episode in load_demo_set(folder).episodes]
    assert len(demos.corrections) == 1 and sorted(e.path for e in demos.whole_demos) == sorted(trained_on)
    trained_on[0].unlink()  # the person trashed one of the run's demos since: the rest still train
    demos = run.demos_with_corrections("LunarLander-v3", folder)
    assert sorted(episode.path for episode in demos.episodes) == sorted([trained_on[1], correction])
