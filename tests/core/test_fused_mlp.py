"""The update loop's fused MLP pass must give autograd's numbers exactly: the benchmark's quality
table was measured with the modules, and a fixed-seed run must not change by switching."""

import pytest
import torch
from torch import nn

from core.envs.registry import get_spec
from core.rl.fused_mlp import tanh_mlp
from core.rl.nets import ActorCritic, Discriminator


def _module_and_fused(mlp: nn.Sequential, x: torch.Tensor, upstream: torch.Tensor):
    """(output, parameter grads, input grad) of the module's own autograd pass and of ``tanh_mlp``."""
    results = []
    for forward in (mlp, lambda inputs: tanh_mlp(mlp, inputs)):
        mlp.zero_grad(set_to_none=True)
        inputs = x.detach().clone().requires_grad_(x.requires_grad)
        out = forward(inputs)
        (out * upstream).sum().backward()
        results.append((out.detach(), [p.grad.clone() for p in mlp.parameters()], inputs.grad))
    return results


@pytest.mark.parametrize("env", ["LunarLander-v3", "LunarLanderContinuous-v3", "CartPole-v1"])
@pytest.mark.parametrize("rows", [1, 37, 1024])
def test_forward_and_gradients_equal_the_modules_bit_for_bit(env, rows):
    torch.manual_seed(rows)
    spec = get_spec(env)
    policy, disc = ActorCritic(spec, hidden=64), Discriminator(spec, hidden=32)
    for mlp in (policy.actor, policy.critic, disc.net):
        x = torch.randn(rows, mlp[0].in_features) * 3
        upstream = torch.randn(rows, mlp[-1].out_features)
        (out_a, grads_a, _), (out_b, grads_b, _) = _module_and_fused(mlp, x, upstream)
        assert torch.equal(out_a, out_b)
        assert all(torch.equal(a, b) for a, b in zip(grads_a, grads_b, strict=True))


def test_the_input_gradient_is_the_modules_when_asked_for():
    torch.manual_seed(0)
    actor = ActorCritic(get_spec("LunarLander-v3")).actor
    x = torch.randn(64, 8).requires_grad_(True)
    (_, grads_a, input_a), (_, grads_b, input_b) = _module_and_fused(actor, x, torch.randn(64, 4))
    assert input_a is not None and torch.equal(input_a, input_b)
    assert all(torch.equal(a, b) for a, b in zip(grads_a, grads_b, strict=True))


def test_a_stack_it_does_not_know_is_refused():
    with pytest.raises(TypeError, match=r"Linear layers with nets\.Tanh"):
        tanh_mlp(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), torch.zeros(3, 4))


def test_differentiating_it_twice_raises_instead_of_going_wrong():
    critic = ActorCritic(get_spec("LunarLander-v3")).critic
    x = torch.randn(16, 8).requires_grad_(True)
    (grad,) = torch.autograd.grad(tanh_mlp(critic, x).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match=r"differentiate twice|does not require grad"):
        grad.pow(2).sum().backward()
