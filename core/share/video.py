"""Videos of a run's policy (optionally beside a demo) and of demos, as MP4 or GIF.

Frames are the env's own renders at its fps, with a caption bar above each: who plays, the step,
the return so far and D's verdict on the step (when the run has a D). A policy beside a demo
starts from the demo's reset seed, on the same terrain, and the shorter side holds its last frame.
Written with imageio (ffmpeg for MP4, pillow for GIF), the ``share`` extra.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.data.demo_set import load_demo_set
from core.data.episode import Episode
from core.data.replay import replay
from core.envs.registry import EnvSpec, get_spec, render_rgb
from core.errors import StudioError
from core.fileio import written_whole
from core.rl.nets import ActorCritic, Discriminator
from core.share import check_video_target
from core.train.runs.run_dir import RunDir
from core.train.runs.shown_policy import shown_policy
from core.train.settings.seeds import WATCH_SEED_BASE

CAPTION_HEIGHT = 28


@dataclass(frozen=True)
class VideoSummary:
    path: Path
    frames: int
    width: int
    height: int
    fps: float
    skipped: tuple[str, ...] = ()  # "file: why" for each demo file that could not be used


def _caption(frame: np.ndarray, text: str) -> np.ndarray:
    """The frame under a dark bar holding ``text``."""
    from PIL import Image, ImageDraw, ImageFont

    bar = Image.new("RGB", (frame.shape[1], CAPTION_HEIGHT), (24, 24, 28))
    font = ImageFont.load_default(size=15)  # pillow's own scalable font: the same on every machine
    ImageDraw.Draw(bar).text((8, 5), text, fill=(235, 235, 235), font=font)
    return np.concatenate([np.asarray(bar), frame], axis=0)


def _beside(left: Iterator[np.ndarray], right: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    """Two frame streams side by side, the shorter holding its last frame."""
    last_left = last_right = None
    for pair in itertools.zip_longest(left, right):
        last_left = pair[0] if pair[0] is not None else last_left
        last_right = pair[1] if pair[1] is not None else last_right
        yield np.concatenate([last_left, last_right], axis=1)


@torch.no_grad()
def policy_episode(
    policy: ActorCritic, disc: Discriminator | None, spec: EnvSpec, seed: int, label: str, sampled: bool = False
) -> Iterator[np.ndarray]:
    """One episode of ``policy`` from ``seed``, deterministic or ``sampled`` (its actions drawn, from
    a generator seeded with ``seed``), captioned frame by frame (streamed: a 1,000-step episode's
    frames would take 0.8 GB at once)."""
    env = spec.make_for_policy(render_mode="rgb_array")  # a pixel env's observation: its input
    if sampled:
        torch.manual_seed(seed)  # the same video twice
    try:
        obs, _ = env.reset(seed=seed)
        yield _caption(render_rgb(env), f"{label} · step 0 · return 0")
        total, step, done = 0.0, 0, False
        while not done:
            tensor = torch.as_tensor(np.asarray(obs, dtype=spec.input_dtype).reshape(1, -1))
            action, _, _ = policy.act(tensor, deterministic=not sampled)
            verdict = f" · D {float(torch.sigmoid(disc(tensor, action))[0]):.2f}" if disc is not None else ""
            obs, reward, terminated, truncated, _ = env.step(spec.check_action(action[0].numpy()))
            total, step, done = total + float(reward), step + 1, bool(terminated or truncated)
            yield _caption(render_rgb(env), f"{label} · step {step} · return {total:.0f}{verdict}")
    finally:
        env.close()


def demo_episode(episode: Episode, label: str = "demo") -> Iterator[np.ndarray]:
    """A demo re-simulated from its seed and actions, captioned."""
    total = 0.0
    for step in replay(episode, render=True):
        total += step.reward
        assert step.frame is not None  # rendered: render=True
        yield _caption(step.frame, f"{label} · step {step.t + 1} · return {total:.0f}")


def policy_video(
    run_dir: Path,
    target: Path,
    episodes: int = 1,
    seed: int | None = None,
    snapshot: int | None = None,
    with_demo: bool = False,
    scale: float = 1.0,
) -> VideoSummary:
    """Episodes of the run's policy (its latest, or the timeline's ``snapshot`` step) into a file."""
    check_video_target(Path(target))
    if with_demo and seed is not None:
        raise StudioError("beside a demo the policy starts from the demo's seed: drop --seed or --with-demo")
    run = RunDir(Path(run_dir))
    policy, disc, config, state = run.load_networks()
    if snapshot is not None:
        policy, disc = run.load_snapshot(snapshot), None  # D is the latest's: not this policy's
    at = (
        snapshot
        if snapshot is not None
        else config.progress_of(int(state.get("iteration", 0)), int(state.get("env_steps", 0)))
    )
    # The run's own policy as the app shows it (core.train.runs.shown_policy): sampling its actions
    # when its final evaluation says that plays clearly better, and named by where it is from when
    # the run kept an earlier one; a timeline snapshot plays deterministic.
    final = run.finished_eval() if snapshot is None else None
    sampled = final is not None and shown_policy(final).sampled
    if final is not None and final.earlier_policy_at is not None:
        at = final.earlier_policy_at
    label = f"policy at {at:,} {config.progress_unit}{' · sampled' if sampled else ''}"
    spec = get_spec(config.env)
    demos = (
        [e for e in load_demo_set(run.demos_folder(), env_key=config.env).episodes if e.meta.replayable]
        if (with_demo)
        else []
    )
    if with_demo and not demos:
        raise StudioError(f"{run.path}: its demos cannot be replayed beside it (none with a reset seed)")

    def frames() -> Iterator[np.ndarray]:
        for index in range(episodes):
            if demos:
                demo = demos[index % len(demos)]
                played = policy_episode(policy, disc, spec, demo.meta.reset_seed, label, sampled)
                yield from _beside(played, demo_episode(demo))
            else:
                start = (seed if seed is not None else WATCH_SEED_BASE) + index
                yield from policy_episode(policy, disc, spec, start, label, sampled)

    return write_video(frames(), Path(target), spec.fps, scale)


def demos_video(folder: Path, target: Path, episodes: int | None = None, scale: float = 1.0) -> VideoSummary:
    """The folder's replayable demos, one after another, into a file."""
    check_video_target(Path(target))
    demo_set = load_demo_set(Path(folder)).require_episodes()
    demos = [e for e in demo_set.episodes if e.meta.replayable]
    if not demos:
        raise StudioError(f"{folder}: no demo can be replayed (none with a reset seed)")
    frames = (
        frame
        for episode in demos[:episodes]
        for frame in demo_episode(episode, f"demo {episode.path.name if episode.path else ''}"[:60])
    )
    summary = write_video(frames, Path(target), demos[0].spec.fps, scale)
    return dataclasses.replace(summary, skipped=tuple(f"{item.path.name}: {item.reason}" for item in demo_set.invalid))


def write_video(frames: Iterable[np.ndarray], target: Path, fps: float, scale: float = 1.0) -> VideoSummary:
    """MP4 (H.264) or GIF by the suffix, the frames written as they come; ``scale`` shrinks them
    (a GIF for a README)."""
    check_video_target(target)
    try:
        import imageio.v2 as imageio
    except ImportError:
        raise StudioError("videos need the share extra (pip install 'imitation-studio[share]')") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    with written_whole(target) as temporary:  # an interrupted video leaves the old file as it was
        if target.suffix.lower() == ".gif":
            writer = imageio.get_writer(temporary, mode="I", duration=1000.0 / fps, loop=0)
        else:
            writer = imageio.get_writer(temporary, fps=fps, codec="libx264", macro_block_size=2, quality=7)
        count, height, width = 0, 0, 0
        try:
            for frame in frames:
                if scale != 1.0:
                    frame = _scaled(frame, scale)
                if not count:  # even sizes: H.264's 4:2:0 colour needs them
                    height, width = (frame.shape[0] // 2) * 2, (frame.shape[1] // 2) * 2
                writer.append_data(frame[:height, :width])
                count += 1
        except BaseException:
            # A Ctrl-C reaches the ffmpeg child too (one process group): closing the writer then
            # fails on its broken pipe, and that error must not replace the interrupt (the command
            # would end as if the reader of its output had gone, with status 0).
            with contextlib.suppress(Exception):
                writer.close()
            raise
        writer.close()
        if not count:
            raise StudioError(f"{target}: no frames to write")
    return VideoSummary(target, count, width, height, fps)


def _scaled(frame: np.ndarray, scale: float) -> np.ndarray:
    from PIL import Image

    image = Image.fromarray(frame)
    size = (max(2, round(image.width * scale)), max(2, round(image.height * scale)))
    return np.asarray(image.resize(size, Image.Resampling.LANCZOS))
