"""The update loop's pass through a tanh MLP: forward and backward as one autograd node.

A PPO update runs the actor and the critic 160 times an iteration on minibatches of 512-1024 rows
of 64 units, where allocating and filling each intermediate costs as much as the arithmetic. This
pass does the operations autograd would (the same calls in the same order, so the numbers are
equal bit for bit: ``tests/core/test_fused_mlp.py``), but works in place where autograd cannot:
the hidden activations are built in their pre-activation buffers, and the backward pass turns
each layer's incoming gradient into the next one's without a temporary per step.

Once differentiable only: D's gradient penalty and TRPO's Hessian-vector products differentiate
twice and use the modules themselves.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.autograd.function import once_differentiable

from core.rl.nets import Tanh


class _TanhMlpFunction(torch.autograd.Function):
    """Inputs: x (B, n_in) then each layer's weight and bias; tanh between layers, none after the last."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, *weights_and_biases: torch.Tensor) -> torch.Tensor:
        weights, biases = weights_and_biases[0::2], weights_and_biases[1::2]
        layer_inputs = [x]
        out = x
        for index, (weight, bias) in enumerate(zip(weights, biases, strict=True)):
            out = torch.addmm(bias, out, weight.t())  # what nn.Linear computes
            if index < len(weights) - 1:
                # tanh(z) = 2 sigmoid(2z) - 1, as nets.Tanh, in z's own buffer.
                out = torch.sigmoid_(out.mul_(2.0)).mul_(2.0).sub_(1.0)
                layer_inputs.append(out)
        ctx.save_for_backward(*layer_inputs, *weights)
        return out

    @staticmethod
    @once_differentiable  # a second differentiation through it raises instead of going wrong
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        saved = ctx.saved_tensors
        layers = len(saved) // 2
        layer_inputs, weights = saved[:layers], saved[layers:]
        grads: list[torch.Tensor | None] = [None] * (2 * layers)
        grad_x = None
        for index in reversed(range(layers)):
            # addmm's backward as autograd computes it for nn.Linear: bias, weight, then input.
            grads[2 * index + 1] = grad.sum(0)
            grads[2 * index] = grad.t().mm(layer_inputs[index])
            if index > 0:
                hidden = layer_inputs[index]
                slope = hidden * hidden  # tanh' = 1 - y^2, built in one buffer
                grad = grad.mm(weights[index]).mul_(slope.neg_().add_(1.0))
            elif ctx.needs_input_grad[0]:
                grad_x = grad.mm(weights[0])
        return (grad_x, *grads)


def tanh_mlp(mlp: nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    """``mlp(x)`` for a Linear, Tanh, ..., Linear stack (``nets._mlp``), once differentiable."""
    linears = list(mlp)[0::2]
    if not is_tanh_mlp(mlp):
        raise TypeError("tanh_mlp needs an nn.Sequential of Linear layers with nets.Tanh between them")
    params = [tensor for layer in linears for tensor in (layer.weight, layer.bias)]
    return _TanhMlpFunction.apply(x, *params)


def is_tanh_mlp(net: nn.Module) -> bool:
    """Whether ``net`` is a Linear, Tanh, ..., Linear stack that ``tanh_mlp`` can run."""
    if not isinstance(net, nn.Sequential):
        return False
    layers = list(net)
    return all(isinstance(layer, nn.Linear) for layer in layers[0::2]) and all(
        isinstance(layer, Tanh) for layer in layers[1::2]
    )


def update_forward(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``net(x)`` in an update loop: fused for a vector env's MLP, the module itself for a pixel
    env's CNN (whose convolutions cost far more than the allocations fusing saves)."""
    return tanh_mlp(net, x) if isinstance(net, nn.Sequential) and is_tanh_mlp(net) else net(x)
