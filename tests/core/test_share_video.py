"""Videos: frame count and size read back with imageio."""

import numpy as np
import pytest

from core.data.demo_set import load_demo_set
from core.errors import CheckpointError, StudioError
from core.paths import sample_demos_dir
from core.share.video import CAPTION_HEIGHT, demos_video, policy_video, write_video
from core.train.runs.timeline import snapshot_steps
from core.train.settings.config import default_config
from core.train.trainer import Trainer

imageio = pytest.importorskip("imageio.v2")
pytest.importorskip("imageio_ffmpeg")


@pytest.fixture(scope="module")
def cartpole_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs") / "cartpole"
    config = default_config("CartPole-v1", total_steps=2048, num_envs=2, num_steps=256, eval_every_iters=0)
    trainer = Trainer(config, load_demo_set(sample_demos_dir("CartPole-v1")), run_dir=folder)
    list(trainer.run())
    return folder


def frames_of(path):
    reader = imageio.get_reader(path)
    try:
        return [frame for frame in reader]
    finally:
        reader.close()


def test_policy_episodes_as_mp4_with_captions(tmp_path, cartpole_run):
    summary = policy_video(cartpole_run, tmp_path / "policy.mp4", episodes=2, seed=7)
    frames = frames_of(summary.path)
    assert len(frames) == summary.frames > 2 * 2  # two episodes, each its reset frame and every step
    assert frames[0].shape == (400 + CAPTION_HEIGHT, 600, 3) == (summary.height, summary.width, 3)


@pytest.mark.slow  # over 20 s here: `pytest -m "not slow"` leaves it out of a quick loop
def test_a_gif_beside_a_demo_from_a_kept_snapshot_at_half_size(tmp_path, cartpole_run):
    first = snapshot_steps(cartpole_run)[0]
    summary = policy_video(cartpole_run, tmp_path / "early.gif", snapshot=first, with_demo=True, scale=0.5)
    frames = frames_of(summary.path)
    assert len(frames) == summary.frames
    assert frames[0].shape[:2] == (214, 600)  # two 300-wide frames side by side, captions scaled too
    with pytest.raises(CheckpointError, match="no snapshot at step 1"):
        policy_video(cartpole_run, tmp_path / "x.gif", snapshot=1)


def test_demos_one_after_another_and_bad_targets(tmp_path):
    demos = load_demo_set(sample_demos_dir("CartPole-v1"))
    summary = demos_video(sample_demos_dir("CartPole-v1"), tmp_path / "demos.mp4", episodes=1, scale=0.25)
    assert summary.frames == demos.episodes[0].length + 1 == len(frames_of(summary.path))
    with pytest.raises(StudioError, match=r"\.mp4 or \.gif"):
        demos_video(sample_demos_dir("CartPole-v1"), tmp_path / "demos.avi", episodes=1)


def test_a_demo_folders_unusable_files_are_named_in_the_summary(tmp_path):
    import shutil

    folder = tmp_path / "demos"
    shutil.copytree(sample_demos_dir("CartPole-v1"), folder)
    (folder / "broken.npz").write_bytes(b"junk")
    summary = demos_video(folder, tmp_path / "demos.gif", episodes=1, scale=0.25)
    assert len(summary.skipped) == 1 and summary.skipped[0].startswith("broken.npz: ")


def test_the_video_plays_the_policy_as_the_app_shows_it(tmp_path, cartpole_run, monkeypatch):
    import dataclasses

    import core.share.video as video
    from core.train.runs.run_dir import RunDir

    played = []
    original = video.policy_episode

    def recorded(policy, disc, spec, seed, label, sampled=False):
        played.append((label, sampled))
        return original(policy, disc, spec, seed, label, sampled)

    monkeypatch.setattr(video, "policy_episode", recorded)
    run = RunDir(cartpole_run)
    final = run.final_eval()
    policy_video(cartpole_run, tmp_path / "det.gif", seed=3, scale=0.25)
    shown = dataclasses.replace(
        final, return_mean=10.0, return_std=1.0, sampled_return_mean=400.0, sampled_return_std=1.0, earlier_policy_at=64
    )
    run.write_final_eval(shown)
    policy_video(cartpole_run, tmp_path / "sampled.gif", seed=3, scale=0.25)
    assert played[0][1] is False and "sampled" not in played[0][0]
    assert played[1] == ("policy at 64 env steps · sampled", True)


def test_an_interrupt_is_not_replaced_by_the_encoders_broken_pipe(tmp_path, monkeypatch):
    """A Ctrl-C reaches ffmpeg too: closing the writer then raises BrokenPipeError, which must not
    hide the KeyboardInterrupt (the command would exit 0 as if its reader had gone)."""
    import imageio.v2 as imageio

    class DeadEncoder:
        def append_data(self, frame):
            raise KeyboardInterrupt

        def close(self):
            raise BrokenPipeError("ffmpeg is gone")

    monkeypatch.setattr(imageio, "get_writer", lambda *args, **kwargs: DeadEncoder())
    frames = iter([np.zeros((4, 4, 3), dtype=np.uint8)])
    with pytest.raises(KeyboardInterrupt):
        write_video(frames, tmp_path / "x.mp4", 10.0)
    assert not list(tmp_path.iterdir())  # no partial file, no temporary
