import torch
from torch.distributions import Categorical, kl_divergence

from core.rl.trpo import conjugate_gradient, trpo_step


def test_conjugate_gradient_solves_a_small_spd_system():
    matrix = torch.tensor([[4.0, 1.0], [1.0, 3.0]])
    b = torch.tensor([1.0, 2.0])
    x = conjugate_gradient(lambda v: matrix @ v, b, iters=10)
    torch.testing.assert_close(matrix @ x, b)


def test_trpo_step_improves_the_surrogate_within_the_kl_bound():
    torch.manual_seed(0)
    obs = torch.randn(256, 4)
    net = torch.nn.Linear(4, 3)
    actions = torch.randint(3, (256,))
    advantages = torch.randn(256)
    with torch.no_grad():
        old_dist = Categorical(logits=net(obs))
        logp_old = old_dist.log_prob(actions)

    def surrogate():
        return (torch.exp(Categorical(logits=net(obs)).log_prob(actions) - logp_old) * advantages).mean()

    def mean_kl():
        return kl_divergence(old_dist, Categorical(logits=net(obs))).mean()

    before = surrogate().item()
    stats = trpo_step(list(net.parameters()), surrogate, mean_kl, max_kl=0.01)
    assert stats.accepted
    assert mean_kl().item() <= 0.01
    assert surrogate().item() > before
    assert stats.surrogate_improvement > 0
    # The step uses most of the trust region: a quadratic model is close for small steps.
    assert mean_kl().item() > 0.002


def test_trpo_step_rejects_when_nothing_improves():
    net = torch.nn.Linear(2, 2)
    obs = torch.randn(16, 2)
    with torch.no_grad():
        old_dist = Categorical(logits=net(obs))
        before = [p.clone() for p in net.parameters()]

    def surrogate():  # improves along the gradient, but every real step makes it worse
        logits = net(obs)
        return (
            logits.sum() * 0
            - 1000 * kl_divergence(old_dist, Categorical(logits=logits)).mean() ** 0.5
            + 1e-9 * logits.sum()
        )

    def mean_kl():
        return kl_divergence(old_dist, Categorical(logits=net(obs))).mean()

    stats = trpo_step(list(net.parameters()), surrogate, mean_kl, max_kl=0.01)
    assert not stats.accepted
    for old, new in zip(before, net.parameters(), strict=True):
        torch.testing.assert_close(old, new)
