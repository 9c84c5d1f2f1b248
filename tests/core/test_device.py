"""auto's device rule: small MLPs stay on the CPU even with CUDA; forced devices are kept."""

import pytest
import torch

from core.errors import TrainingError
from core.train.settings import device as device_module
from core.train.settings.config import default_config
from core.train.settings.device import GPU_FROM_UNITS, device_for


def test_without_cuda_auto_is_the_cpu_and_says_why(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    choice = device_for(default_config("CartPole-v1"))
    assert choice.device.type == "cpu" and "no CUDA" in choice.reason


def test_with_cuda_auto_keeps_small_networks_on_the_cpu_and_sends_wide_ones_to_cuda(monkeypatch):
    monkeypatch.setattr(device_module.torch.cuda, "is_available", lambda: True)
    small = device_for(default_config("LunarLander-v3"))
    assert small.device.type == "cpu" and "64-unit networks train faster on the CPU" in small.reason
    wide = device_for(default_config("LunarLander-v3", hidden_size=GPU_FROM_UNITS))
    assert wide.device.type == "cuda"


def test_a_forced_device_is_kept_and_cuda_without_cuda_is_one_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert device_for(default_config("CartPole-v1", device="cpu")).reason == "cpu, as set"
    with pytest.raises(TrainingError, match="cuda was requested"):
        device_for(default_config("CartPole-v1", device="cuda"))
