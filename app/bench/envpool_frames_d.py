"""Can a discriminator tell gymnasium's CarRacing frames from EnvPool's? (issue 27)

If EnvPool rolls out and the demos come from gymnasium, anything in the frames that says which
env drew them is a shortcut for GAIL's D: it could score "gymnasium-looking" instead of
"expert-like". So a small CNN (the shape of ``core.rl.conv_encoder``'s: 8 x 8 stride 4, 4 x 4
stride 2, then a hidden layer) is trained to separate the two envs' frames of the same episodes
(same track, ``car_racing_pair.EnvPoolTrackDraws``, same actions), and scored on episodes it
did not see. 0.5 means D cannot tell them apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from app.bench.car_racing_pair import ACTION_LOW, envpool_car, gymnasium_car
from core.envs.pixel_inputs import PixelInputs

DASHBOARD_ROWS = 12  # CarRacing's black bar under the view: speed, ABS, steering, gyro, score
COLOUR_SHIFT = 2  # gymnasium's flat colours (grass, road) are this much darker than EnvPool's
EPOCHS = (5, 20, 60)  # D's accuracy after this many passes: a short D, and one trained to the end


@dataclass(frozen=True)
class DAccuracy:
    train: float
    held_out: float


def collect_frames(n_frames: int, episode_steps: int = 250, seed_base: int = 100) -> tuple[np.ndarray, ...]:
    """Both envs' frames of the same episodes of random driving (steer and gas uniform, no brake):
    gymnasium's (n, 96, 96, 3) uint8, EnvPool's (n, 96, 96, 3) uint8, and each frame's episode (n,)."""
    gym_frames, pool_frames, episodes = [], [], []
    episode = 0
    while len(gym_frames) < n_frames:
        seed = seed_base + episode
        env, _ = gymnasium_car(seed, "envpool")
        pool, _ = envpool_car(seed)
        rng = np.random.default_rng(seed)
        for _ in range(min(episode_steps, n_frames - len(gym_frames))):
            action = rng.uniform(ACTION_LOW, np.array([1.0, 1.0, 0.0], np.float32)).astype(np.float32)
            gym_frame, _, terminated, truncated, _ = env.step(action)
            pool_frame, _, pool_terminated, pool_truncated, _ = pool.step(action[None])
            gym_frames.append(gym_frame)
            pool_frames.append(pool_frame[0])
            episodes.append(episode)
            if terminated or truncated or pool_terminated[0] or pool_truncated[0]:
                break
        env.close()
        pool.close()
        episode += 1
    return np.stack(gym_frames), np.stack(pool_frames), np.array(episodes)


def _classifier(image_shape: tuple[int, int, int]) -> nn.Sequential:
    channels, height, width = image_shape
    convs = nn.Sequential(nn.Conv2d(channels, 16, 8, 4), nn.ReLU(), nn.Conv2d(16, 32, 4, 2), nn.ReLU(), nn.Flatten())
    with torch.no_grad():
        flat = convs(torch.zeros(1, channels, height, width)).shape[1]
    return nn.Sequential(convs, nn.Linear(flat, 64), nn.ReLU(), nn.Linear(64, 1))


def _accuracy(net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    with torch.no_grad():
        logits = torch.cat([net(images[start : start + 256]) for start in range(0, len(images), 256)])
    return float(((logits.squeeze(1) > 0).float() == labels).float().mean())


def train_d(
    images: np.ndarray, labels: np.ndarray, held_out: np.ndarray, epochs: Sequence[int] = EPOCHS, seed: int = 0
) -> dict[int, DAccuracy]:
    """images: (n, C, H, W) uint8; labels: (n,) 1 = EnvPool; held_out: (n,) bool, never trained on.
    Returns the accuracies after each of ``epochs`` passes over the training frames."""
    torch.manual_seed(seed)
    x = torch.from_numpy(images).float() / 255.0
    y = torch.from_numpy(labels.astype(np.float32))
    train_index = np.flatnonzero(~held_out)
    net = _classifier(tuple(images.shape[1:]))  # type: ignore[arg-type]
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    rng = np.random.default_rng(seed)
    accuracies = {}
    for epoch in range(1, max(epochs) + 1):
        for batch in np.array_split(rng.permutation(train_index), max(1, len(train_index) // 64)):
            loss = nn.functional.binary_cross_entropy_with_logits(net(x[batch]).squeeze(1), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if epoch in epochs:
            accuracies[epoch] = DAccuracy(
                _accuracy(net, x[~held_out], y[~held_out]), _accuracy(net, x[held_out], y[held_out])
            )
    return accuracies


def d_accuracies(n_frames: int) -> tuple[dict[str, dict[int, DAccuracy]], int]:
    """D's accuracies (after each of ``EPOCHS``) on four views of the frames: the pixel pipeline's
    (grey, 2 x 2 means, 48 x 48), the same without the dashboard, the same with EnvPool's colours
    moved onto gymnasium's (its flat colours are 2 levels brighter in each channel), and the
    full-colour 96 x 96 frame. Also returns how many frames of each env were held out."""
    torch.set_num_threads(1)  # the machine is shared
    gym_frames, pool_frames, episodes = collect_frames(n_frames)
    # Whole episodes held out, from the one a quarter of the frames before the end.
    held_out = np.concatenate([episodes >= episodes[int(0.75 * len(episodes))]] * 2)
    labels = np.concatenate([np.zeros(len(gym_frames)), np.ones(len(pool_frames))])
    frames = np.concatenate([gym_frames, pool_frames])
    pixels = PixelInputs(frame_shape=(96, 96, 3))
    grey = pixels.frame_features(frames)[:, None]
    view_rows = (96 - DASHBOARD_ROWS) // 2
    darker = np.where(pool_frames >= COLOUR_SHIFT, pool_frames - COLOUR_SHIFT, pool_frames).astype(np.uint8)
    shifted = pixels.frame_features(np.concatenate([gym_frames, darker]))[:, None]
    views = {
        "grey 48 x 48 (the pixel pipeline's frame)": train_d(grey, labels, held_out),
        "grey 48 x 48, dashboard cut off": train_d(np.ascontiguousarray(grey[:, :, :view_rows]), labels, held_out),
        "grey 48 x 48, EnvPool's colours shifted by -2": train_d(shifted, labels, held_out),
        "colour 96 x 96": train_d(np.ascontiguousarray(frames.transpose(0, 3, 1, 2)), labels, held_out),
    }
    return views, int(held_out.sum()) // 2
