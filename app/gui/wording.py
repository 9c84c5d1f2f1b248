"""Small helpers for the words the views show."""

from __future__ import annotations


def count(number: int, noun: str, plural: str | None = None) -> str:
    """``1 episode``, ``2 episodes``, ``1,024 steps``."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"
