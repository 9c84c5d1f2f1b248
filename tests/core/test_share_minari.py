"""Demo folders to and from Minari, checked through Minari's own API (local datasets only)."""

import numpy as np
import pytest

from core.data.demo_set import load_demo_set
from core.data.replay import verify_replay
from core.errors import DemoError, StudioError
from core.paths import sample_demos_dir
from core.sessions.recording_session import RecordingSession
from core.share.minari_io import export_minari, import_minari
from core.train.settings.config import default_config
from core.train.trainer import Trainer

minari = pytest.importorskip("minari")
# Minari reminds every new dataset to name an author, a permalink ...: the tests' own need none.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:minari")


@pytest.fixture(autouse=True)
def minari_root(tmp_path, monkeypatch):
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "minari"))


def test_export_is_read_back_by_minari_and_import_restores_the_demos(tmp_path):
    folder = sample_demos_dir("LunarLander-v3")
    demos = load_demo_set(folder)
    summary = export_minari(folder, "lunarlander/samples-v0", author="tests")
    assert (summary.episodes, summary.steps) == (len(demos.episodes), demos.n_steps)
    dataset = minari.load_dataset("lunarlander/samples-v0")
    assert dataset.total_episodes == len(demos.episodes)
    assert dataset.spec.env_spec.id == "LunarLander-v3"
    for episode, data in zip(demos.episodes, dataset.iterate_episodes(), strict=True):
        assert np.allclose(data.observations, episode.observations)
        assert np.array_equal(data.actions, episode.actions)
        assert np.allclose(data.rewards, episode.rewards)
        assert bool(data.terminations[-1]) == episode.meta.terminated
        assert bool(data.truncations[-1]) == episode.meta.truncated
    dataset.recover_environment().close()  # the env spec is whole enough to build the env

    assert len(import_minari("lunarlander/samples-v0", tmp_path / "back")) == len(demos.episodes)
    imported = load_demo_set(tmp_path / "back")
    assert [e.meta.reset_seed for e in imported.episodes] == [e.meta.reset_seed for e in demos.episodes]
    assert all(e.meta.source == "imported" and e.meta.replayable for e in imported.episodes)
    assert all(verify_replay(e).ok and verify_replay(e).steps_checked == e.length for e in imported.episodes[:2])
    assert np.allclose(imported.returns, demos.returns)


def test_episodes_without_seeds_import_as_not_replayable_and_still_train(tmp_path):
    from minari.data_collector.episode_buffer import EpisodeBuffer

    source = load_demo_set(sample_demos_dir("CartPole-v1")).episodes[:2]
    buffers = [
        EpisodeBuffer(
            id=i,
            observations=e.observations.astype(np.float32),
            actions=e.actions,
            rewards=e.rewards.tolist(),
            terminations=[False] * (e.length - 1) + [e.meta.terminated],
            truncations=[False] * (e.length - 1) + [e.meta.truncated],
        )
        for i, e in enumerate(source)
    ]
    minari.create_dataset_from_buffers("cartpole/no-seeds-v0", buffers, env="CartPole-v1")
    import_minari("cartpole/no-seeds-v0", tmp_path / "demos")
    demos = load_demo_set(tmp_path / "demos")
    assert len(demos.episodes) == 2 and not any(e.meta.replayable for e in demos.episodes)
    assert "not replayable" in verify_replay(demos.episodes[0]).message
    session = RecordingSession(demos.spec, tmp_path / "record")
    with pytest.raises(DemoError, match="not replayable"):
        session.start_replay(demos.episodes[0])
    config = default_config("CartPole-v1", total_steps=256, num_envs=2, num_steps=64, eval_every_iters=0)
    assert Trainer(config, demos).expert_obs.shape[0] == demos.n_steps


def test_bad_ids_and_unsupported_envs_are_one_line_errors(tmp_path):
    from minari.data_collector.episode_buffer import EpisodeBuffer

    for bad in ("bad id", "no-version", "x/one-letter-namespace-v0"):
        with pytest.raises(StudioError, match=r"not a Minari id.*namespace of 2 or more"):
            export_minari(sample_demos_dir("CartPole-v1"), bad)
    with pytest.raises(StudioError, match="no such local Minari dataset"):
        import_minari("nope/none-v0", tmp_path / "x")
    pendulum = EpisodeBuffer(
        id=0,
        observations=np.zeros((3, 3), np.float32),
        actions=np.zeros((2, 1), np.float32),
        rewards=[0.0, 0.0],
        terminations=[False, False],
        truncations=[False, True],
    )
    minari.create_dataset_from_buffers("pendulum/tiny-v0", [pendulum], env="Pendulum-v1")
    with pytest.raises(StudioError, match=r"Pendulum-v1.*not one this app supports"):
        import_minari("pendulum/tiny-v0", tmp_path / "y")


def test_an_explicit_default_argument_is_the_same_env_and_junk_files_are_named(tmp_path):
    import dataclasses
    import shutil

    import gymnasium as gym
    from minari.data_collector.episode_buffer import EpisodeBuffer

    episode = load_demo_set(sample_demos_dir("LunarLander-v3")).episodes[0]
    buffer = EpisodeBuffer(
        id=0,
        seed=episode.meta.reset_seed,
        observations=episode.observations,
        actions=episode.actions,
        rewards=episode.rewards.tolist(),
        terminations=[False] * (episode.length - 1) + [True],
        truncations=[False] * episode.length,
    )
    spec = dataclasses.replace(gym.spec("LunarLander-v3"), kwargs={"continuous": False})
    minari.create_dataset_from_buffers("lunarlander/explicit-v0", [buffer], env=spec)
    assert len(import_minari("lunarlander/explicit-v0", tmp_path / "in")) == 1
    folder = tmp_path / "mixed"
    shutil.copytree(sample_demos_dir("CartPole-v1"), folder)
    (folder / "junk.npz").write_bytes(b"not an episode")
    summary = export_minari(folder, "cartpole/mixed-v0")
    assert summary.episodes == 10 and any(reason.startswith("junk.npz:") for reason in summary.left_out)


def test_an_interrupted_export_leaves_no_dataset_under_the_id(monkeypatch):
    real = minari.create_dataset_from_buffers

    def written_then_interrupted(dataset_id, *args, **kwargs):
        real(dataset_id, *args, **kwargs)  # Ctrl-C as Minari finishes its files
        raise KeyboardInterrupt

    monkeypatch.setattr(minari, "create_dataset_from_buffers", written_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        export_minari(sample_demos_dir("CartPole-v1"), "cartpole/interrupted-v0")
    assert "cartpole/interrupted-v0" not in minari.list_local_datasets()
    monkeypatch.setattr(minari, "create_dataset_from_buffers", real)
    assert export_minari(sample_demos_dir("CartPole-v1"), "cartpole/interrupted-v0").episodes > 0  # the id is free
