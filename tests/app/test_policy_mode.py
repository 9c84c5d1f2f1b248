"""Deterministic or sampled: the Watch view shows the better for a finished run, and says why."""

from dataclasses import replace

import pytest

from app.gui.watch.policy_mode import PolicyModeBox
from core.train.runs.records import FinalEval
from core.train.runs.shown_policy import sampling_is_better


def test_sampling_must_be_better_by_more_than_the_noise():
    assert sampling_is_better((50.0, 20.0), (80.0, 20.0), episodes=10)  # 30 > 2 * 8.9
    assert not sampling_is_better((50.0, 60.0), (80.0, 60.0), episodes=10)  # 30 < 2 * 26.8
    assert not sampling_is_better((80.0, 5.0), (50.0, 5.0), episodes=10)


@pytest.mark.parametrize(("sampled", "chosen"), [(150.0, False), (105.0, True)])
def test_a_run_clearly_better_sampled_is_shown_sampled(qtbot, sampled, chosen):
    box = PolicyModeBox()
    qtbot.addWidget(box)
    final = FinalEval(return_mean=100.0, return_std=10.0, length_mean=200.0, episodes=10)
    box.show_run(replace(final, sampled_return_mean=sampled, sampled_return_std=10.0))
    assert box.deterministic is chosen
    assert f"(return {sampled:.1f})" in box.itemText(1) and "(return 100.0)" in box.itemText(0)
    assert ("plays better with sampled actions" in box.note) is not chosen
    box.show_run(None)  # a run without these figures (older, or training now): plain labels, no note
    assert box.note == "" and "return" not in box.itemText(1)
