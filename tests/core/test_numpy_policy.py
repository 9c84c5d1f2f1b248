import numpy as np
import pytest
import torch

from core.envs.registry import get_spec
from core.rl.nets import ActorCritic, Tanh, state_to_numpy
from core.rl.numpy_policy import NumpyPolicy


def policy_pair(env: str, seed: int = 0) -> tuple[ActorCritic, NumpyPolicy, np.ndarray]:
    torch.manual_seed(seed)
    spec = get_spec(env)
    policy = ActorCritic(spec)
    rng = np.random.default_rng(seed)
    obs = rng.normal(2.0, 3.0, size=(64, *spec.obs_shape)).astype(np.float32)
    policy.obs_norm.update(torch.as_tensor(obs))  # a non-trivial normaliser
    with torch.no_grad():  # and a non-trivial policy: larger output weights than the init's 0.01
        policy.actor[-1].weight.mul_(100)
        if not policy.discrete:
            policy.log_std.fill_(-0.5)
    return policy, NumpyPolicy(state_to_numpy(policy), policy.discrete), obs


@pytest.mark.parametrize("env", ["LunarLander-v3", "LunarLanderContinuous-v3"])
def test_values_modes_and_log_probs_match_the_torch_module(env):
    policy, fast, obs = policy_pair(env)
    obs_t = torch.as_tensor(obs)
    with torch.no_grad():
        dist = policy.distribution(obs_t)
        np.testing.assert_allclose(fast.value(obs), policy.value(obs_t).numpy(), rtol=1e-4, atol=1e-5)
        mode, logp_mode, values = fast.act(obs, np.random.default_rng(0), deterministic=True)
        torch_mode, _, _ = policy.act(obs_t, deterministic=True)
        np.testing.assert_allclose(mode, torch_mode.numpy(), atol=1e-5)
        np.testing.assert_allclose(values, policy.value(obs_t).numpy(), rtol=1e-4, atol=1e-5)
        actions, logp, _ = fast.act(obs, np.random.default_rng(1))
        expected = policy.log_prob(dist, torch.as_tensor(actions)).numpy()
        np.testing.assert_allclose(logp, expected, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(logp_mode, policy.log_prob(dist, torch.as_tensor(mode)).numpy(), atol=1e-4)


def test_discrete_samples_follow_the_policys_probabilities():
    policy, fast, obs = policy_pair("LunarLander-v3")
    one = np.repeat(obs[:1], 40_000, axis=0)
    actions, _, _ = fast.act(one, np.random.default_rng(2))
    with torch.no_grad():
        probs = policy.distribution(torch.as_tensor(obs[:1])).probs[0].numpy()
    frequencies = np.bincount(actions, minlength=len(probs)) / len(actions)
    assert probs.max() < 0.95  # a real test: more than one action is likely
    np.testing.assert_allclose(frequencies, probs, atol=0.01)


def test_continuous_samples_have_the_policys_mean_and_std():
    policy, fast, obs = policy_pair("LunarLanderContinuous-v3")
    one = np.repeat(obs[:1], 40_000, axis=0)
    actions, _, _ = fast.act(one, np.random.default_rng(3))
    with torch.no_grad():
        dist = policy.distribution(torch.as_tensor(obs[:1]))
    np.testing.assert_allclose(actions.mean(0), dist.mean[0].numpy(), atol=0.01)
    np.testing.assert_allclose(actions.std(0), dist.stddev[0].numpy(), rtol=0.02)


def test_fast_tanh_equals_tanh_and_has_its_gradient():
    x = torch.linspace(-12, 12, 2001, dtype=torch.float32, requires_grad=True)
    y = Tanh()(x)
    torch.testing.assert_close(y, torch.tanh(x), atol=1e-6, rtol=0)
    (grad,) = torch.autograd.grad(y.sum(), x)
    torch.testing.assert_close(grad, 1 - torch.tanh(x.detach()) ** 2, atol=1e-6, rtol=0)
    # Twice differentiable, as D's gradient penalty needs.
    x64 = torch.randn(20, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(Tanh(), (x64,))
    assert torch.autograd.gradgradcheck(Tanh(), (x64,))


@pytest.mark.parametrize("env", ["LunarLander-v3", "LunarLanderContinuous-v3"])
def test_the_update_loops_log_prob_and_entropy_match_the_distributions(env):
    policy, _, obs = policy_pair(env)
    obs_t = torch.as_tensor(obs)
    dist = policy.distribution(obs_t)
    actions = dist.sample()
    out = policy.actor(policy.obs_norm(obs_t))
    logp, entropy = policy.head_log_prob_entropy(out, actions)
    torch.testing.assert_close(logp, policy.log_prob(dist, actions), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(entropy, policy.entropy(dist), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(policy.head_log_prob(out, actions), logp)
