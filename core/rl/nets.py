"""Networks: the actor-critic (generator), the discriminator, and running input statistics.

Every network carries its own input normaliser as buffers, so a snapshot or checkpoint of its
``state_dict`` is all the Watch view or ``evaluate`` needs to act.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np
import torch
from torch import nn
from torch.distributions import Categorical, Normal

from core.envs.registry import EnvSpec
from core.rl.conv_encoder import ConvEncoder, PixelActionNet

HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)

# Argument validation in every Categorical/Normal costs more than the tiny networks here (one is
# built per rollout step); the inputs are ours and already checked for NaN by the trainer.
torch.distributions.Distribution.set_default_validate_args(False)


class RunningNormalizer(nn.Module):
    """Running mean and variance of inputs (parallel-merge update), applied as (x - mean) / std.

    x: (B, dim) float32. Statistics update only through ``update``, never through gradients.
    """

    # Registered buffers (saved with the weights), declared for the type checker.
    mean: torch.Tensor
    var: torch.Tensor
    count: torch.Tensor

    def __init__(self, dim: int, clip: float = 10.0, enabled: bool = True) -> None:
        super().__init__()
        self.clip = clip
        self.enabled = enabled
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("var", torch.ones(dim))
        self.register_buffer("count", torch.tensor(1e-4))

    @torch.no_grad()
    def update(self, batch: torch.Tensor) -> None:
        if not self.enabled:
            return
        batch = batch.to(self.mean.device, torch.float32)
        batch_mean, batch_var, batch_count = batch.mean(0), batch.var(0, unbiased=False), batch.shape[0]
        delta = batch_mean - self.mean
        total = self.count + batch_count
        self.mean += delta * batch_count / total
        self.var.copy_(
            (self.var * self.count + batch_var * batch_count + delta**2 * self.count * batch_count / total) / total
        )
        self.count.copy_(total)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.enabled:
            return x
        return torch.clamp((x - self.mean) / torch.sqrt(self.var + 1e-8), -self.clip, self.clip)


class _TanhFunction(torch.autograd.Function):
    """tanh(x) = 2 sigmoid(2x) - 1, with the backward pass g (1 - y^2) written out.

    torch's CPU tanh is not vectorised: on a 512 x 64 batch it took 87 us against 14 us for
    sigmoid (measured here, torch 2.13, AVX-512), and the hidden activations were the largest
    single cost of a PPO update. Equal to torch.tanh within 2e-7; twice differentiable (D's
    gradient penalty differentiates through it twice).
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        y = torch.sigmoid(x * 2.0).mul_(2.0).sub_(1.0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (y,) = ctx.saved_tensors
        return grad * (1.0 - y * y)


class Tanh(nn.Module):
    """``nn.Tanh`` with the faster ``_TanhFunction``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _TanhFunction.apply(x)


def _layer(n_in: int, n_out: int, gain: float = math.sqrt(2)) -> nn.Linear:
    """A linear layer with orthogonal weights and zero bias (the CleanRL initialisation)."""
    layer = nn.Linear(n_in, n_out)
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.zeros_(layer.bias)
    return layer


def _mlp(n_in: int, hidden: int, n_out: int, out_gain: float) -> nn.Sequential:
    return nn.Sequential(_layer(n_in, hidden), Tanh(), _layer(hidden, hidden), Tanh(), _layer(hidden, n_out, out_gain))


def _network(spec: EnvSpec, hidden: int, n_out: int, out_gain: float) -> nn.Sequential:
    """A vector env's two-layer MLP over the observation; a pixel env's CNN encoder and one
    hidden layer over its features (``core.rl.conv_encoder``)."""
    if spec.pixels is None:
        return _mlp(spec.input_dim, hidden, n_out, out_gain)
    encoder = ConvEncoder(spec.pixels.image_shape)
    return nn.Sequential(encoder, _layer(encoder.features, hidden), Tanh(), _layer(hidden, n_out, out_gain))


class ActorCritic(nn.Module):
    """Policy pi(a|s) and value V(s), two tanh MLPs over normalised observations.

    Discrete actions: a categorical over ``n_actions`` logits. Continuous: a Gaussian with a
    state-independent log std; actions are clipped to the env's bounds only when stepping.
    A pixel env's actor and critic each see through their own CNN, and pixels are scaled, not
    normalised (``core.envs.pixel_inputs`` says why).
    """

    def __init__(self, spec: EnvSpec, hidden: int = 64, normalize_obs: bool = True) -> None:
        super().__init__()
        self.discrete = spec.is_discrete
        self.pixels = spec.pixels is not None
        self.obs_norm = RunningNormalizer(spec.input_dim, enabled=normalize_obs and not self.pixels)
        out_dim = spec.n_actions if self.discrete else spec.action_dim
        self.actor = _network(spec, hidden, out_dim, out_gain=0.01)
        self.critic = _network(spec, hidden, 1, out_gain=1.0)
        if not self.discrete:
            self.log_std = nn.Parameter(torch.zeros(out_dim))

    def actor_parameters(self) -> list[nn.Parameter]:
        """The policy's own parameters (not the value function's)."""
        return list(self.actor.parameters()) + ([] if self.discrete else [self.log_std])

    def distribution(self, obs: torch.Tensor) -> torch.distributions.Distribution:
        """obs: (B, obs_dim) raw -> the action distribution, batch shape (B,)."""
        return self._distribution_of_normalized(self.obs_norm(obs))

    def _distribution_of_normalized(self, x: torch.Tensor) -> torch.distributions.Distribution:
        out = self.actor(x)
        if self.discrete:
            return Categorical(logits=out)
        return Normal(out, self.log_std.exp().expand_as(out))

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        """obs: (B, obs_dim) -> V(s): (B,)."""
        return self.critic(self.obs_norm(obs)).squeeze(-1)

    def log_prob(self, dist: torch.distributions.Distribution, actions: torch.Tensor) -> torch.Tensor:
        """log pi(a|s): (B,); continuous dimensions are summed."""
        logp = dist.log_prob(actions)
        return logp if self.discrete else logp.sum(-1)

    def entropy(self, dist: torch.distributions.Distribution) -> torch.Tensor:
        entropy = dist.entropy()
        return entropy if self.discrete else entropy.sum(-1)

    # The update loop's path: the same quantities from the actor's raw outputs, without building
    # a Distribution object (its checks and broadcasting cost more than the math at these sizes).

    def head_log_prob(self, out: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """log pi(a|s) from ``self.actor(normalised obs)``: (B,)."""
        if self.discrete:
            return torch.log_softmax(out, -1).gather(-1, actions.unsqueeze(-1)).squeeze(-1)
        return (-0.5 * ((actions - out) * torch.exp(-self.log_std)) ** 2 - self.log_std - HALF_LOG_2PI).sum(-1)

    def head_nll(self, out: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """-mean log pi(a|s) from the actor's raw outputs (the BC loss): a scalar."""
        if self.discrete:
            return torch.nn.functional.cross_entropy(out, actions)  # one fused op and its backward
        return -self.head_log_prob(out, actions).mean()

    def head_log_prob_entropy(self, out: torch.Tensor, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """log pi(a|s) and the entropy of pi(.|s), each (B,), from the actor's raw outputs."""
        if not self.discrete:
            entropy = (0.5 + HALF_LOG_2PI + self.log_std).sum().expand(out.shape[0])
            return self.head_log_prob(out, actions), entropy
        log_probs = torch.log_softmax(out, -1)
        logp = log_probs.gather(-1, actions.unsqueeze(-1)).squeeze(-1)
        return logp, -(log_probs.exp() * log_probs).sum(-1)

    @torch.no_grad()
    def act(self, obs: torch.Tensor, deterministic: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sample (or take the mode of) actions: returns actions, log pi(a|s) and V(s), each (B,...)."""
        x = self.obs_norm(obs)  # normalised once for both heads (this runs every rollout step)
        dist = self._distribution_of_normalized(x)
        mode = cast(Categorical, dist).probs.argmax(-1) if self.discrete else dist.mean
        actions = mode if deterministic else dist.sample()
        return actions, self.log_prob(dist, actions), self.critic(x).squeeze(-1)


class Discriminator(nn.Module):
    """D(s, a) in (0, 1): 1 = expert, 0 = policy; returns logits, D = sigmoid(logit).

    Discrete actions, as in the seed: D(s, .) has one output per action and D(s, a) is the entry
    for a. Continuous actions: D takes (s, a) and has one output.

    With ``judges_endings``, D also scores the state an episode ended in, D_end(s): 1 = a state
    the demos ended in (a landing), 0 = one the policy ended in (perhaps a crash). Discrete: one
    more output, read as if "ending" were one more action. Continuous: one more input, a flag
    that is 1 for an ending (with the action inputs 0) and 0 for an ordinary (s, a) pair.
    """

    def __init__(
        self, spec: EnvSpec, hidden: int = 64, normalize_obs: bool = True, judges_endings: bool = False
    ) -> None:
        super().__init__()
        self.discrete = spec.is_discrete
        self.judges_endings = judges_endings
        self.action_dim = 0 if self.discrete else spec.action_dim
        self.pixels = spec.pixels is not None
        obs_dim = spec.input_dim
        extra = 1 if judges_endings else 0
        in_dim = obs_dim + (0 if self.discrete else spec.action_dim + extra)
        out_dim = spec.n_actions + extra if self.discrete else 1
        self.obs_norm = RunningNormalizer(obs_dim, enabled=normalize_obs and not self.pixels)
        self.net = self._build_net(spec, hidden, in_dim, out_dim)

    @staticmethod
    def _build_net(spec: EnvSpec, hidden: int, in_dim: int, out_dim: int) -> nn.Module:
        """D's network over ``inputs(obs, actions)``: an MLP, or for pixels the CNN encoder (with a
        continuous env's action joined to its features)."""
        if spec.pixels is None:
            return _mlp(in_dim, hidden, out_dim, out_gain=1.0)
        if spec.is_discrete:
            return _network(spec, hidden, out_dim, out_gain=1.0)
        encoder = ConvEncoder(spec.pixels.image_shape)
        n_rest = in_dim - spec.input_dim
        head = nn.Sequential(_layer(encoder.features + n_rest, hidden), Tanh(), _layer(hidden, out_dim, 1.0))
        return PixelActionNet(encoder, spec.input_dim, head)

    def _scaled(self, obs: torch.Tensor) -> torch.Tensor:
        # Pixels stay in 0..255 here (the encoder scales them) but as floats: the gradient
        # penalty differentiates D through its inputs.
        return obs.float() if self.pixels else self.obs_norm(obs)

    def inputs(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """The network input: normalised obs, then the action (and the ending flag 0) for continuous envs."""
        if self.discrete:
            return self._scaled(obs)
        parts = [self._scaled(obs), actions.float()]
        if self.judges_endings:
            parts.append(torch.zeros(len(obs), 1, device=obs.device))
        return torch.cat(parts, dim=-1)

    def logits_from_inputs(self, inputs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Logit of D(s, a): (B,), from ``inputs(obs, actions)``."""
        out = self.net(inputs)
        if not self.discrete:
            return out.squeeze(-1)
        return out.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)

    def forward(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """obs (B, obs_dim), actions (B,) or (B, act_dim) -> logit D (B,)."""
        return self.logits_from_inputs(self.inputs(obs, actions), actions)

    def ending_inputs(self, obs: torch.Tensor) -> torch.Tensor:
        """The network input for "an episode ended in state obs" (needs ``judges_endings``)."""
        if self.discrete:
            return self._scaled(obs)
        zeros, ones = (
            torch.zeros(len(obs), self.action_dim, device=obs.device),
            torch.ones(len(obs), 1, device=obs.device),
        )
        return torch.cat([self._scaled(obs), zeros, ones], dim=-1)

    def ending_logits_from_inputs(self, inputs: torch.Tensor) -> torch.Tensor:
        """Logit of D_end(s): (B,), from ``ending_inputs(obs)``."""
        out = self.net(inputs)
        return out[:, -1] if self.discrete else out.squeeze(-1)

    def ending_logits(self, obs: torch.Tensor) -> torch.Tensor:
        return self.ending_logits_from_inputs(self.ending_inputs(obs))


def state_to_numpy(module: nn.Module) -> dict[str, np.ndarray]:
    """A module's ``state_dict`` as numpy copies on the CPU (snapshots, the numpy policy)."""
    return {key: value.detach().cpu().numpy().copy() for key, value in module.state_dict().items()}
