from core.train.bookkeeping import Cadence, is_due
from core.train.settings.config import default_config


def test_gail_evaluates_and_snapshots_at_the_configured_iterations():
    config = default_config("CartPole-v1", eval_every_iters=5, snapshot_every_iters=2)
    assert Cadence.of(config) == Cadence(eval_every_iters=5, snapshot_every_iters=2)


def test_bc_evaluates_ten_times_less_often_and_snapshots_only_at_the_end():
    config = default_config("CartPole-v1", algo="bc", eval_every_iters=5, snapshot_every_iters=2)
    assert Cadence.of(config) == Cadence(eval_every_iters=50, snapshot_every_iters=0)


def test_due_on_multiples_and_never_for_0():
    assert [is_due(5, iteration) for iteration in (4, 5, 10, 11)] == [False, True, True, False]
    assert not any(is_due(0, iteration) for iteration in (0, 1, 5))
