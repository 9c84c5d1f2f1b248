"""Videos of a run's policy (optionally beside a demo) and of demos, as MP4 or GIF.

Frames are the env's own renders at its fps, with a caption bar above each: who plays, the step,
the return so far and D's verdict on the step (when the run has a D). A policy beside a demo
starts from the demo's reset seed, on the same terrain, and the shorter side holds its last frame.
Written with imageio (ffmpeg for MP4, pillow for GIF), the ``share`` extra.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from core.data.demo_set import load_demo_set
from core.data.episode import Episode
from core.data.replay import replay
from core.envs.registry import EnvSpec, get_spec, render_rgb
from core.errors import StudioError
from core.rl.nets import ActorCritic, Discriminator
from core.train.run_dir import RunDir
from core.train.seeds import WATCH_SEED_BASE
from core.train.timeline import load_snapshot

CAPTION_HEIGHT = 28
FORMATS = (".mp4", ".gif")


@dataclass(frozen=True)
class VideoSummary:
    path: Path
    frames: int
    width: int
    height: int
    fps: float


def _caption(frame: np.ndarray, text: str) -> np.ndarray:
    """The frame under a dark bar holding ``text``."""
    from PIL import Image, ImageDraw, ImageFont

    bar = Image.new("RGB", (frame.shape[1], CAPTION_HEIGHT), (24, 24, 28))
    font = ImageFont.load_default(size=15)  # pillow's own scalable font: the same on every machine
    ImageDraw.Draw(bar).text((8, 5), text, fill=(235, 235, 235), font=font)
    return np.concatenate([np.asarray(bar), frame], axis=0)


def _beside(left: list[np.ndarray], right: list[np.ndarray]) -> Iterator[np.ndarray]:
    """Two frame lists side by side, the shorter holding its last frame."""
    for index in range(max(len(left), len(right))):
        yield np.concatenate([left[min(index, len(left) - 1)], right[min(index, len(right) - 1)]], axis=1)


@torch.no_grad()
def policy_episode(
    policy: ActorCritic, disc: Discriminator | None, spec: EnvSpec, seed: int, label: str
) -> list[np.ndarray]:
    """One deterministic episode of ``policy`` from ``seed``, captioned frame by frame."""
    env = spec.make(render_mode="rgb_array")
    try:
        obs, _ = env.reset(seed=seed)
        frames, total, step, done = [_caption(render_rgb(env), f"{label} · step 0 · return 0")], 0.0, 0, False
        while not done:
            tensor = torch.as_tensor(np.asarray(obs, dtype=np.float32).reshape(1, -1))
            action, _, _ = policy.act(tensor, deterministic=True)
            verdict = f" · D {float(torch.sigmoid(disc(tensor, action))[0]):.2f}" if disc is not None else ""
            obs, reward, terminated, truncated, _ = env.step(spec.check_action(action[0].numpy()))
            total, step, done = total + float(reward), step + 1, bool(terminated or truncated)
            frames.append(_caption(render_rgb(env), f"{label} · step {step} · return {total:.0f}{verdict}"))
        return frames
    finally:
        env.close()


def demo_episode(episode: Episode, label: str = "demo") -> list[np.ndarray]:
    """A demo re-simulated from its seed and actions, captioned."""
    frames, total = [], 0.0
    for step in replay(episode, render=True):
        total += step.reward
        assert step.frame is not None  # rendered: render=True
        frames.append(_caption(step.frame, f"{label} · step {step.t + 1} · return {total:.0f}"))
    return frames


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
    _check_target(Path(target))
    run = RunDir(Path(run_dir))
    policy, disc, config, state = run.load_networks()
    if snapshot is not None:
        policy = load_snapshot(run.path, snapshot, config)
    spec = get_spec(config.env)
    label = f"policy at {snapshot if snapshot is not None else int(state.get('env_steps', 0)):,} steps"
    demos = (
        [e for e in load_demo_set(run.demos_folder(), env_key=config.env).episodes if e.meta.replayable]
        if (with_demo)
        else []
    )
    if with_demo and not demos:
        raise StudioError(f"{run.path}: its demos cannot be replayed beside it (none with a reset seed)")
    frames: list[np.ndarray] = []
    for index in range(episodes):
        if demos:
            demo = demos[index % len(demos)]
            mine = policy_episode(policy, disc, spec, demo.meta.reset_seed, label)
            frames += list(_beside(mine, demo_episode(demo)))
        else:
            start = (seed if seed is not None else WATCH_SEED_BASE) + index
            frames += policy_episode(policy, disc, spec, start, label)
    return write_video(frames, Path(target), spec.fps, scale)


def demos_video(folder: Path, target: Path, episodes: int | None = None, scale: float = 1.0) -> VideoSummary:
    """The folder's replayable demos, one after another, into a file."""
    _check_target(Path(target))
    demos = [e for e in load_demo_set(Path(folder)).require_episodes().episodes if e.meta.replayable]
    if not demos:
        raise StudioError(f"{folder}: no demo can be replayed (none with a reset seed)")
    frames: list[np.ndarray] = []
    for episode in demos[:episodes]:
        frames += demo_episode(episode, f"demo {episode.path.name if episode.path else ''}"[:60])
    return write_video(frames, Path(target), demos[0].spec.fps, scale)


def write_video(frames: list[np.ndarray], target: Path, fps: float, scale: float = 1.0) -> VideoSummary:
    """MP4 (H.264) or GIF by the suffix; ``scale`` shrinks the frames (a GIF for a README)."""
    _check_target(target)
    if not frames:
        raise StudioError(f"{target}: no frames to write")
    try:
        import imageio.v2 as imageio
    except ImportError:
        raise StudioError("videos need the share extra (pip install 'imitation-studio[share]')") from None
    if scale != 1.0:
        frames = [_scaled(frame, scale) for frame in frames]
    # Even sizes: H.264's 4:2:0 colour needs them.
    height, width = (frames[0].shape[0] // 2) * 2, (frames[0].shape[1] // 2) * 2
    frames = [frame[:height, :width] for frame in frames]
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix.lower() == ".gif":
        imageio.mimsave(target, list[Any](frames), duration=1000.0 / fps, loop=0)
    else:
        with imageio.get_writer(target, fps=fps, codec="libx264", macro_block_size=2, quality=7) as writer:
            for frame in frames:
                writer.append_data(frame)  # type: ignore[attr-defined]  # the ffmpeg writer's method
    return VideoSummary(target, len(frames), width, height, fps)


def _check_target(target: Path) -> None:
    """Before any rendering: a file name that says which format."""
    if target.suffix.lower() not in FORMATS:
        raise StudioError(f"{target}: choose a .mp4 or .gif file")


def _scaled(frame: np.ndarray, scale: float) -> np.ndarray:
    from PIL import Image

    image = Image.fromarray(frame)
    size = (max(2, round(image.width * scale)), max(2, round(image.height * scale)))
    return np.asarray(image.resize(size, Image.Resampling.LANCZOS))
