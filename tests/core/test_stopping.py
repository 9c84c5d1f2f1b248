"""The stopping rule: done when the pooled recent evaluations reach the demos and no new best came for PATIENCE."""

import pytest

from core.train.stopping import PATIENCE, WINDOW, Evaluation, StoppingRule


def evaluation(step, deterministic, sampled=None):
    return Evaluation(step, tuple(deterministic), tuple(sampled if sampled is not None else deterministic))


def feed(rule, scores):
    """One evaluation per score (five equal episodes each); the verdicts."""
    return [rule.add(evaluation(1000 * (i + 1), [score] * 5)) for i, score in enumerate(scores)]


def test_done_only_after_reaching_the_demos_and_patience_without_a_new_best():
    rule = StoppingRule([100.0, 100.0])
    verdicts = feed(rule, [10, 50, 130] + [110] * (WINDOW + PATIENCE))
    assert [v.new_best for v in verdicts[:3]] == [True, True, True]
    assert not any(v.new_best for v in verdicts[3:])
    done = [i for i, v in enumerate(verdicts) if v.done]
    assert done[0] == 2 + PATIENCE  # the best was the third evaluation
    assert rule.best.progress == 3000 and rule.done_at == 1000 * (3 + PATIENCE)
    assert rule.reached_at is not None and rule.reached_at <= rule.done_at


def test_one_lucky_evaluation_after_poor_ones_is_not_reaching_the_demos():
    rule = StoppingRule([100.0, 100.0])
    feed(rule, [0] * (WINDOW - 1) + [150])  # the pool of the last WINDOW evaluations is far below
    assert rule.reached_at is None


def test_a_policy_below_the_demos_is_never_done_however_flat():
    rule = StoppingRule([100.0, 100.0])
    assert not any(v.done for v in feed(rule, [50] * (PATIENCE * 5)))
    assert rule.reached_at is None


def test_still_improving_is_not_done():
    rule = StoppingRule([0.0])
    assert not any(v.done for v in feed(rule, range(10, 200, 10)))


def test_the_sampled_way_of_acting_counts_when_it_plays_better():
    rule = StoppingRule([100.0])
    for i in range(WINDOW + PATIENCE):
        verdict = rule.add(evaluation(i, [0.0] * 5, [150.0 if i == 0 else 120.0] * 5))
    assert verdict.done and rule.best.progress == 0


def test_noise_is_granted_a_margin_of_standard_errors():
    # Demos of 100 +- 50 over 4 episodes (standard error 25): a pool at 95 counts as reaching them.
    noisy = StoppingRule([50.0, 150.0, 50.0, 150.0])
    feed(noisy, [95] * WINDOW)
    assert noisy.reached_at is not None
    steady = StoppingRule([100.0] * 4)  # no spread: 95 is below them
    feed(steady, [95] * WINDOW)
    assert steady.reached_at is None


def test_no_demo_returns_is_a_programming_error():
    with pytest.raises(ValueError):
        StoppingRule([])
