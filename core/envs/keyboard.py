"""How a held keyboard maps to an env's actions: the keys held, in press order, make the next action.

Key names are plain strings ("Left", "Up", "A", ...) so that this module knows no GUI toolkit;
the Record view translates its toolkit's key codes into these names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from core.envs.registry import Action, EnvSpec


class KeyboardActions:
    """Turns the set of held keys into the action for the next step.

    Keys are kept in the order they were pressed. For discrete envs the most recently pressed
    mapped key wins, as in most games; for continuous envs each held key sets its dimensions,
    later keys over earlier ones (Left then Right steers right).

    A tap shorter than one step (pressed and released between two steps) still acts for one
    step: a release only takes effect after the key has been part of an action.
    """

    def __init__(self, spec: EnvSpec) -> None:
        self.spec = spec
        self._held: list[str] = []
        self._unseen: list[str] = []  # pressed since the last action, in press order
        self._released_unseen: set[str] = set()
        self._idle_step = 0

    @property
    def held(self) -> tuple[str, ...]:
        return tuple(self._held)

    def press(self, key: str) -> None:
        """A key went down; auto-repeat presses of a held key change nothing."""
        self._released_unseen.discard(key)
        if key not in self._held:
            self._held.append(key)
            if key not in self._unseen:
                self._unseen.append(key)

    def release(self, key: str) -> None:
        if key not in self._held:
            return
        if key in self._unseen:
            self._released_unseen.add(key)  # a tap: it still drives the next step
        else:
            self._held.remove(key)

    def release_all(self) -> None:
        """Forget every held key (focus lost: no key-up events will come)."""
        self._held.clear()
        self._unseen.clear()
        self._released_unseen.clear()

    def action(self) -> Action:
        """The action for the held keys; advances the idle cycle when no mapped key is held."""
        action = action_for_keys(self.spec, self._held, self._next_idle_index)
        for key in self._released_unseen:
            self._held.remove(key)
        self._unseen.clear()
        self._released_unseen.clear()
        return action

    def _next_idle_index(self) -> int:
        index = self._idle_step
        self._idle_step += 1
        return index


def action_for_keys(spec: EnvSpec, held_keys: Iterable[str], idle_index: Any = 0) -> Action:
    """The action for ``held_keys`` (oldest press first).

    ``idle_index`` picks the entry of a discrete env's idle cycle when no mapped key is held; it
    may be a callable, called only in that case, so the cycle advances only on idle steps.
    """
    held = [k for k in held_keys if k in spec.key_actions]
    if spec.is_discrete:
        if held:
            return int(spec.key_actions[held[-1]])
        index = idle_index() if callable(idle_index) else idle_index
        return spec.idle_actions[index % len(spec.idle_actions)]
    vector = np.array(spec.idle_vector, dtype=np.float32)
    for key in held:
        for dim, value in spec.key_actions[key].items():
            vector[dim] = value
    return vector
