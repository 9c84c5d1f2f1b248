"""Tune's callback for the sweep's progress bar, at module level: Tune pickles its callbacks with
the experiment's state, and a class defined here pickles by name, while a progress bar (it holds a
stream) cannot be pickled at all. What to call is looked up by key when a trial ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ray.tune import Callback

_ON_TRIAL_DONE: dict[int, Callable[[], Any]] = {}


class TrialProgress(Callback):
    def __init__(self, on_trial_done: Callable[[], Any]) -> None:
        self.key = id(on_trial_done)
        _ON_TRIAL_DONE[self.key] = on_trial_done

    def on_trial_complete(self, iteration, trials, trial, **info) -> None:
        _ON_TRIAL_DONE.get(self.key, lambda: None)()

    def on_trial_error(self, iteration, trials, trial, **info) -> None:
        _ON_TRIAL_DONE.get(self.key, lambda: None)()
