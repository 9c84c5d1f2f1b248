import io
import json
import zipfile

import numpy as np
import pytest

from core.data.demo_set import episode_files, load_demo_set
from core.data.episode import Episode, EpisodeMeta
from core.data.episode_io import load_episode, write_episode
from core.data.recorder import Recorder
from core.data.replay import replay, verify_replay
from core.envs.registry import get_spec
from core.errors import DemoError
from tests.recordings import record_expert_episodes


def play_cartpole(recorder, seed=3):
    recorder.reset(seed=seed)
    while not recorder.done:
        recorder.step(recorder.length % 2)  # alternate pushes: falls after a few dozen steps
    return recorder


def test_keep_writes_one_file_that_loads_back_identically(tmp_path):
    recorder = play_cartpole(Recorder(get_spec("CartPole-v1"), tmp_path))
    in_memory = recorder.episode()
    path = recorder.keep()
    assert episode_files(tmp_path) == [path]
    loaded = load_episode(path)
    np.testing.assert_array_equal(loaded.observations, in_memory.observations)
    np.testing.assert_array_equal(loaded.actions, in_memory.actions)
    np.testing.assert_array_equal(loaded.rewards, in_memory.rewards)
    assert loaded.meta == in_memory.meta
    assert loaded.meta.reset_seed == 3 and loaded.meta.source == "human" and loaded.meta.terminated
    assert loaded.meta.key_map["Left"] == "0"
    assert loaded.length == len(loaded.observations) - 1 == loaded.meta.length


def test_discard_writes_nothing_and_the_next_episode_starts_clean(tmp_path):
    recorder = play_cartpole(Recorder(get_spec("CartPole-v1"), tmp_path / "set"))
    recorder.discard()
    assert not (tmp_path / "set").exists()
    assert not recorder.started
    play_cartpole(recorder, seed=4).keep()
    assert len(episode_files(tmp_path / "set")) == 1


def test_recorder_refuses_steps_out_of_order(tmp_path):
    recorder = Recorder(get_spec("CartPole-v1"), tmp_path)
    with pytest.raises(DemoError, match="reset"):
        recorder.step(0)
    recorder.reset(seed=0)
    recorder.step(0)
    with pytest.raises(DemoError, match="finished"):
        recorder.keep()
    play_cartpole(recorder)
    with pytest.raises(DemoError, match="ended"):
        recorder.step(0)


def test_random_reset_seeds_are_stored_so_replay_works(tmp_path):
    recorder = Recorder(get_spec("LunarLander-v3"), tmp_path)
    recorder.reset()
    while not recorder.done:
        recorder.step(0)
    episode = load_episode(recorder.keep())
    assert verify_replay(episode).ok


def test_replay_reproduces_the_observations(lander_demos):
    demo_set = load_demo_set(lander_demos)
    for episode in demo_set.episodes:
        check = verify_replay(episode)
        assert check.ok, check.message
        assert check.steps_checked == episode.length
        assert check.max_obs_error == 0.0


def test_replay_yields_frames_from_the_reset_state_on(lander_demos):
    episode = load_demo_set(lander_demos).episodes[0]
    steps = list(replay(episode, render=True))
    assert len(steps) == episode.length + 1
    assert steps[0].t == -1 and steps[0].frame.shape == (400, 600, 3)
    assert sum(step.reward for step in steps) == pytest.approx(episode.episode_return)


def test_replay_detects_a_tampered_recording(lander_demos):
    episode = load_demo_set(lander_demos).episodes[0]
    observations = episode.observations.copy()
    observations[10, 0] += 0.5
    tampered = Episode(observations, episode.actions, episode.rewards, episode.meta)
    check = verify_replay(tampered)
    assert not check.ok
    assert "after step 9" in check.message


def test_demo_set_statistics(lander_demos):
    demo_set = load_demo_set(lander_demos)
    assert demo_set.env_key == "LunarLander-v3" and len(demo_set.episodes) == 3 and not demo_set.invalid
    assert demo_set.n_steps == sum(episode.length for episode in demo_set.episodes)
    observations, actions = demo_set.transitions()
    assert observations.shape == (demo_set.n_steps, 8) and actions.shape == (demo_set.n_steps,)


# ----------------------------------------------------------------------------- bad input


def test_missing_empty_and_file_folders_are_clear_errors(tmp_path):
    with pytest.raises(DemoError, match="nowhere: demo folder does not exist"):
        load_demo_set(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not a demo")
    with pytest.raises(DemoError, match=r"empty: no episode files \(\*\.npz\)"):
        load_demo_set(tmp_path / "empty")
    (tmp_path / "plain").write_text("x")
    with pytest.raises(DemoError, match="is a file"):
        load_demo_set(tmp_path / "plain")


def test_unknown_env_key_is_the_callers_error(lander_demos):
    with pytest.raises(Exception, match="unknown environment"):
        load_demo_set(lander_demos, env_key="Nope-v0")


def break_file(path, how):
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(bytes(range(256)) * 20)
    elif how == "flipped":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    elif how == "empty":
        path.write_bytes(b"")


@pytest.mark.parametrize("how", ["truncated", "garbage", "flipped", "empty"])
def test_corrupt_files_are_listed_and_the_rest_still_load(lander_demos, how):
    victim = episode_files(lander_demos)[1]
    break_file(victim, how)
    demo_set = load_demo_set(lander_demos)
    assert len(demo_set.episodes) == 2
    assert [bad.path for bad in demo_set.invalid] == [victim]
    assert "truncated or corrupt" in demo_set.invalid[0].reason
    with pytest.raises(DemoError, match=victim.name):
        load_episode(victim)


def rewrite(path, **changes):
    """Rewrite an episode file with some arrays replaced (meta as a dict is re-encoded)."""
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    for name, value in changes.items():
        if name == "meta" and value is not None:
            value = np.frombuffer(json.dumps(value).encode(), dtype=np.uint8)
        if value is None:
            arrays.pop(name)
        else:
            arrays[name] = value
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())


def meta_of(path):
    with np.load(path) as archive:
        return json.loads(archive["meta"].tobytes())


def one_bad_reason(folder, env_key=None):
    demo_set = load_demo_set(folder, env_key=env_key)
    assert len(demo_set.invalid) == 1
    return demo_set.invalid[0].reason


def test_a_file_from_another_env_is_rejected(tmp_path, lander_demos):
    record_expert_episodes(lander_demos, "CartPole-v1", count=1)
    reason = one_bad_reason(lander_demos, env_key="LunarLander-v3")
    assert reason == "recorded in CartPole-v1, but this set is LunarLander-v3"
    # Without an expected env, the majority decides.
    assert load_demo_set(lander_demos).env_key == "LunarLander-v3"


def test_wrong_shapes_are_named(lander_demos):
    path = episode_files(lander_demos)[0]
    with np.load(path) as archive:
        observations = archive["observations"]
    rewrite(path, observations=observations[:, :6])
    assert "observations have shape (6,) per step, LunarLander-v3 has (8,)" in one_bad_reason(lander_demos)


def test_actions_out_of_range_are_named(lander_demos):
    path = episode_files(lander_demos)[0]
    with np.load(path) as archive:
        actions = archive["actions"].copy()
    actions[0] = 7
    rewrite(path, actions=actions)
    assert "actions outside 0..3" in one_bad_reason(lander_demos)


@pytest.mark.parametrize("bad_value", [np.nan, np.inf])
def test_nan_and_inf_are_named(lander_demos, bad_value):
    path = episode_files(lander_demos)[0]
    with np.load(path) as archive:
        observations = archive["observations"].copy()
    observations[5, 2] = bad_value
    rewrite(path, observations=observations)
    assert "observations contain NaN or inf" in one_bad_reason(lander_demos)


def test_a_file_that_is_not_ours_is_named(lander_demos):
    stranger = lander_demos / "someone-elses.npz"
    np.savez(stranger, obs=np.zeros((3, 8)), acts=np.zeros(2))
    assert "not an Imitation Studio episode" in one_bad_reason(lander_demos)


def test_pickled_content_is_never_loaded(lander_demos):
    evil = lander_demos / "pickled.npz"
    np.savez(
        evil,
        observations=np.array([{"a": 1}], dtype=object),
        actions=np.zeros(1),
        rewards=np.zeros(1),
        meta=np.zeros(1, dtype=np.uint8),
    )
    assert "pickled objects, which are never loaded" in one_bad_reason(lander_demos)


def test_metadata_problems_are_named(lander_demos):
    path = episode_files(lander_demos)[0]
    meta = meta_of(path)
    rewrite(path, meta={**meta, "format": "something-else"})
    assert "no episode format tag" in one_bad_reason(lander_demos)
    rewrite(path, meta={**meta, "length": "many"})
    assert "metadata field length has the wrong type (str)" in one_bad_reason(lander_demos)
    rewrite(path, meta={**meta, "env_key": "Pong-v5"})
    assert "unknown environment 'Pong-v5'" in one_bad_reason(lander_demos)
    rewrite(path, meta={**meta, "episode_return": 1e6})
    assert "differs from the rewards' sum" in one_bad_reason(lander_demos)
    rewrite(path, meta={**meta, "format_version": 99})
    assert "newer than this app reads" in one_bad_reason(lander_demos)
    rewrite(path, meta=None)
    assert "missing array(s): meta" in one_bad_reason(lander_demos)


def test_zip_of_other_things_is_not_an_episode(lander_demos):
    with zipfile.ZipFile(lander_demos / "photos.npz", "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "not a readable episode archive" in one_bad_reason(lander_demos) or "not an Imitation Studio" in (
        one_bad_reason(lander_demos)
    )


def test_hidden_temporary_files_are_ignored(lander_demos):
    (lander_demos / ".half-written.npz.123.tmp").write_bytes(b"partial")
    (lander_demos / ".hidden.npz").write_bytes(b"partial")
    demo_set = load_demo_set(lander_demos)
    assert len(demo_set.episodes) == 3 and not demo_set.invalid


def test_episode_construction_rejects_inconsistent_arrays():
    meta = EpisodeMeta("CartPole-v1", "CartPole-v1", {}, 0, "human", 2, 2.0, True, False, 50)
    with pytest.raises(DemoError, match="3 observations for 1 actions"):
        Episode(np.zeros((3, 4), np.float32), np.zeros(1, np.int64), np.ones(1), meta)
    with pytest.raises(DemoError, match="marked both"):
        Episode(
            np.zeros((3, 4), np.float32),
            np.zeros(2, np.int64),
            np.ones(2),
            EpisodeMeta("CartPole-v1", "CartPole-v1", {}, 0, "human", 2, 2.0, True, True, 50),
        )


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path, lander_demos):
    episode = load_demo_set(lander_demos).episodes[0]
    path = write_episode(episode, tmp_path / "copy")
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == [path.name]


def test_declared_sizes_are_checked_before_anything_is_decompressed(tmp_path, monkeypatch):
    from core.data import episode_io

    # An array header claiming 32 GB over a few bytes of data (a crafted or corrupt file).
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (10**9, 8)})
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("observations.npy", header.getvalue() + b"\0" * 64)
    with pytest.raises(DemoError, match=r"array observations\.npy declares a shape \(1000000000, 8\) larger than"):
        load_episode(bomb)
    # A well-formed file over the limit (the limit lowered for the test: real ones are 256 MB).
    folder = tmp_path / "set"
    (path,) = record_expert_episodes(folder, count=1)
    monkeypatch.setattr(episode_io, "MAX_EPISODE_BYTES", 1000)
    with pytest.raises(DemoError, match="MB of arrays, over the 0 MB limit for an episode file"):
        load_episode(path)


def test_links_to_nothing_are_listed_not_skipped(tmp_path):
    folder = tmp_path / "set"
    record_expert_episodes(folder, count=1)
    (folder / "gone.npz").symlink_to(tmp_path / "nowhere.npz")
    (folder / "loop.npz").symlink_to(folder / "loop.npz")
    demo_set = load_demo_set(folder)
    assert len(demo_set.episodes) == 1
    reasons = {bad.path.name: bad.reason for bad in demo_set.invalid}
    assert reasons == {name: "a link that leads to no file (dangling, or a loop)" for name in ("gone.npz", "loop.npz")}
