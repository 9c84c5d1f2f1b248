import math

import pytest
import torch

from core.rl import ppo
from core.rl.optim import clip_grad_norms


def test_clip_loss_matches_hand_computation():
    # ratios 1.5, 0.5, 1.1 with advantages +1, +1, -2 and eps 0.2:
    # min(1.5*1, 1.2*1) = 1.2; min(0.5, 0.8) = 0.5; min(1.1*-2, 1.1*-2) = -2.2 -> mean -0.1667
    logp_old = torch.zeros(3)
    logp_new = torch.log(torch.tensor([1.5, 0.5, 1.1]))
    advantages = torch.tensor([1.0, 1.0, -2.0])
    loss = ppo.clip_loss(logp_new, logp_old, advantages, clip_coef=0.2)
    assert loss.item() == pytest.approx(-(1.2 + 0.5 - 2.2) / 3)


def test_clip_loss_has_no_gradient_beyond_the_clip_in_the_advantage_direction():
    logp_new = torch.log(torch.tensor([1.5])).requires_grad_(True)
    ppo.clip_loss(logp_new, torch.zeros(1), torch.tensor([1.0]), 0.2).backward()
    assert logp_new.grad.item() == 0.0


def test_kl_penalty_loss_matches_hand_computation():
    ratios = torch.tensor([1.2, 0.8])
    logp_new, logp_old = torch.log(ratios), torch.zeros(2)
    advantages = torch.tensor([2.0, -1.0])
    kl = ((ratios - 1) - torch.log(ratios)).mean().item()
    surrogate = (1.2 * 2.0 + 0.8 * -1.0) / 2
    loss = ppo.kl_penalty_loss(logp_new, logp_old, advantages, beta=3.0)
    assert loss.item() == pytest.approx(-(surrogate - 3.0 * kl))
    assert kl == pytest.approx(((0.2 - math.log(1.2)) + (-0.2 - math.log(0.8))) / 2)


def test_approx_kl_is_zero_for_identical_policies_and_positive_otherwise():
    assert ppo.approx_kl(torch.zeros(4), torch.zeros(4)).item() == 0.0
    assert ppo.approx_kl(torch.tensor([0.3, -0.2]), torch.zeros(2)).item() > 0.0


@pytest.mark.parametrize(
    ("kl", "expected"),
    [(0.016, 2.0), (0.015, 1.0), (0.01, 1.0), (0.0067, 1.0), (0.006, 0.5)],
)
def test_adaptive_beta_rule(kl, expected):
    assert ppo.adapt_beta(1.0, kl, kl_target=0.01) == pytest.approx(expected)


def test_clip_fraction_counts_ratios_outside_the_band():
    logp_new = torch.log(torch.tensor([1.3, 1.0, 0.7, 1.1]))
    assert ppo.clip_fraction(logp_new, torch.zeros(4), 0.2).item() == 0.5


def test_value_loss_plain_and_clipped():
    values, returns, old = torch.tensor([2.0]), torch.tensor([0.0]), torch.tensor([1.0])
    assert ppo.value_loss(values, returns, old, None).item() == pytest.approx(2.0)
    # clipped value 1.2 -> max(4, 1.44) / 2
    assert ppo.value_loss(values, returns, old, 0.2).item() == pytest.approx(2.0)
    values = torch.tensor([0.5])
    # unclipped 0.25, clipped 0.8^2 = 0.64 -> 0.32
    assert ppo.value_loss(values, returns, old, 0.2).item() == pytest.approx(0.32)


def test_clip_grad_norms_matches_torch_per_group():
    torch.manual_seed(0)
    groups = [
        [torch.nn.Parameter(torch.randn(5, 3)), torch.nn.Parameter(torch.randn(3))],
        [torch.nn.Parameter(torch.randn(4))],
    ]
    for scale, group in zip((10.0, 0.01), groups, strict=True):
        for p in group:
            p.grad = torch.randn_like(p) * scale
    reference = []
    for group in groups:
        copies = [torch.nn.Parameter(p.detach().clone()) for p in group]
        for copy, p in zip(copies, group, strict=True):
            copy.grad = p.grad.clone()
        torch.nn.utils.clip_grad_norm_(copies, 0.5)
        reference.append([c.grad for c in copies])
    clip_grad_norms(groups, 0.5)
    for group, ref in zip(groups, reference, strict=True):
        for p, r in zip(group, ref, strict=True):
            torch.testing.assert_close(p.grad, r)
    # The large group was scaled down to norm 0.5; the small one was left alone.
    assert abs(float(torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in groups[0]]))) - 0.5) < 1e-4


@pytest.mark.parametrize("objective", ["ppo-clip", "ppo-kl"])
def test_the_update_reports_the_kl_of_the_whole_update_on_the_whole_batch(objective):
    # The adaptive-beta rule of the seed looks at KL(pi_old || pi_new) once the update is done:
    # measured on every sample after the last epoch, not averaged over minibatches during it.
    from core.envs.registry import get_spec
    from core.rl.nets import ActorCritic
    from core.rl.optim import adam

    torch.manual_seed(0)
    spec = get_spec("CartPole-v1")
    policy = ActorCritic(spec, 32, True)
    obs = torch.randn(256, 4)
    with torch.no_grad():
        actions, logp, values = policy.act(obs)
    samples = {
        "obs": obs,
        "actions": actions,
        "logp": logp,
        "values": values,
        "advantages": torch.randn(256),
        "returns": values + torch.randn(256),
        "weights": torch.ones(256),
    }
    settings = ppo.PpoSettings(
        objective=objective,
        update_epochs=4,
        minibatch_size=64,
        clip_coef=0.2,
        clip_value_loss=False,
        vf_coef=0.5,
        ent_coef=0.0,
        bc_coef=0.0,
        max_grad_norm=0.5,
    )
    stats = ppo.ppo_update(policy, adam(policy.parameters(), 3e-3), samples, obs, actions, settings, kl_beta=1.0)
    with torch.no_grad():
        logp_after = policy.log_prob(policy.distribution(obs), actions)
    assert stats["approx_kl"] == pytest.approx(float(ppo.approx_kl(logp_after, logp)), rel=1e-5)
    assert stats["approx_kl"] > 0
