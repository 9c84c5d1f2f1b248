"""Settling on the best evaluation's policy: only when it plays clearly better, and then everywhere."""

import torch

import core.train.best_policy as best_policy
from core.envs.registry import get_spec
from core.rl.nets import ActorCritic
from core.train.best_policy import BestPolicy
from core.train.runs.records import FinalEval

SPEC = get_spec("CartPole-v1")


def final(mean, std=10.0, sampled=None):
    return FinalEval(
        return_mean=mean,
        return_std=std,
        length_mean=mean,
        episodes=10,
        sampled_return_mean=sampled,
        sampled_return_std=std,
    )


def policy(seed):
    torch.manual_seed(seed)
    return ActorCritic(SPEC, 8, True)


def weights(network):
    return torch.cat([p.detach().flatten() for p in network.parameters()])


def test_a_clearly_better_earlier_policy_becomes_the_runs(monkeypatch):
    earlier, last = policy(0), policy(1)
    best = BestPolicy()
    best.keep(4096, earlier)
    monkeypatch.setattr(best_policy, "final_evaluation", lambda candidate, spec: final(400.0))
    copy_on_cpu = policy(2)
    settled = best.settle([last, copy_on_cpu], SPEC, final(100.0), end=8192)
    assert settled.return_mean == 400.0 and settled.earlier_policy_at == 4096 and settled.last_shown_return == 100.0
    assert torch.equal(weights(last), weights(earlier)) and torch.equal(weights(copy_on_cpu), weights(earlier))


def test_within_the_noise_the_last_policy_stays(monkeypatch):
    earlier, last = policy(0), policy(1)
    before = weights(last).clone()
    best = BestPolicy()
    best.keep(4096, earlier)
    monkeypatch.setattr(best_policy, "final_evaluation", lambda candidate, spec: final(105.0))
    settled = best.settle([last], SPEC, final(100.0), end=8192)
    assert settled.earlier_policy_at is None and settled.return_mean == 100.0
    assert torch.equal(weights(last), before)


def test_the_last_policy_compared_as_it_is_shown_sampled_when_that_is_clearly_better(monkeypatch):
    best = BestPolicy()
    best.keep(4096, policy(0))
    monkeypatch.setattr(best_policy, "final_evaluation", lambda candidate, spec: final(250.0))
    last = final(100.0, sampled=300.0)  # shown sampling its actions: 300, above the earlier one's 250
    assert best.settle([policy(1)], SPEC, last, end=8192) is last


def test_nothing_kept_or_kept_at_the_end_is_the_last(monkeypatch):
    monkeypatch.setattr(best_policy, "final_evaluation", lambda candidate, spec: final(999.0))
    last = final(100.0)
    assert BestPolicy().settle([policy(1)], SPEC, last, end=8192) is last
    at_end = BestPolicy()
    at_end.keep(8192, policy(0))
    assert at_end.settle([policy(1)], SPEC, last, end=8192) is last
