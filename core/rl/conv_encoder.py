"""The small CNN a pixel env's networks see through: the policy's actor and critic, and D.

Input: the flat uint8 vector of ``core.envs.pixel_inputs`` (B, frames * H * W), reshaped to
(B, frames, H, W) and scaled by 1/255 here, so nothing upstream needs float images. For
CarRacing's 2 x 48 x 48: an 8 x 8 convolution with stride 4 (11 x 11), 4 x 4 with stride 2
(4 x 4), then a linear layer to ``features``. Smaller than the Atari network (three
convolutions, 512 features) because this machine has no GPU: a forward pass of 16 inputs costs
about a millisecond on one core, well under CarRacing's 10 ms a step.

Each network owns its encoder (the actor, the critic and D each learn their own features), so
the update rules stay as they are for vector envs: TRPO's natural gradient over the actor's
parameters, PPO's separate value loss, D's gradient penalty through its own input.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def _conv(n_in: int, n_out: int, kernel: int, stride: int) -> nn.Conv2d:
    conv = nn.Conv2d(n_in, n_out, kernel, stride)
    nn.init.orthogonal_(conv.weight, math.sqrt(2))
    assert conv.bias is not None  # built with a bias
    nn.init.zeros_(conv.bias)
    return conv


class ConvEncoder(nn.Module):
    """(B, frames * H * W) uint8 or float pixels -> (B, features) float."""

    def __init__(self, image_shape: tuple[int, int, int], features: int = 256) -> None:
        super().__init__()
        self.image_shape = image_shape
        frames, height, width = image_shape
        self.convs = nn.Sequential(_conv(frames, 16, 8, 4), nn.ReLU(), _conv(16, 32, 4, 2), nn.ReLU(), nn.Flatten())
        with torch.no_grad():
            flat = self.convs(torch.zeros(1, frames, height, width)).shape[1]
        self.project = nn.Linear(flat, features)
        nn.init.orthogonal_(self.project.weight, math.sqrt(2))
        nn.init.zeros_(self.project.bias)
        self.features = features

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        images = pixels.reshape(len(pixels), *self.image_shape).float() * (1.0 / 255.0)
        return torch.relu(self.project(self.convs(images)))


class PixelActionNet(nn.Module):
    """D over (pixels, action [, ending flag]): the encoder's features joined with the rest of the
    input, for continuous actions, whose D takes the action as input. ``inputs`` is the flat
    concatenation the vector D gets too: the first ``pixel_dim`` values are the image."""

    def __init__(self, encoder: ConvEncoder, pixel_dim: int, head: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.pixel_dim = pixel_dim
        self.head = head

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        features = self.encoder(inputs[:, : self.pixel_dim])
        return self.head(torch.cat([features, inputs[:, self.pixel_dim :].float()], dim=-1))
