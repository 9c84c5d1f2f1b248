"""Small helpers for the words the views show."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.data.demo_set import DemoSet


def count(number: int, noun: str, plural: str | None = None) -> str:
    """``1 episode``, ``2 episodes``, ``1,024 steps``."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def demos_text(demos: DemoSet) -> str:
    """``3 demos``, or ``3 demos + 2 corrections (140 steps you played)``."""
    corrections = demos.corrections
    whole = count(len(demos.episodes) - len(corrections), "demo")
    if not corrections:
        return whole
    steps = sum(episode.demonstrated_steps for episode in corrections)
    return f"{whole} + {count(len(corrections), 'correction')} ({count(steps, 'step')} you played)"
