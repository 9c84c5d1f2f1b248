"""Argument types shared by the sub-commands: a bad number is argparse's one-line usage error."""

from __future__ import annotations

import argparse

# Every count the commands take (episodes, seeds, CPUs, trials, probe steps) is at most this: a
# million episodes is days of rendering or evaluating; past it a typo, refused before anything starts.
MAX_COUNT = 1_000_000


def positive_int(text: str) -> int:
    """A count from 1 to MAX_COUNT."""
    value = _int(text)
    if not 1 <= value <= MAX_COUNT:
        shown = text if len(text) <= 30 else f"{text[:12]}... ({len(text)} digits)"
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_COUNT:,}, got {shown}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number above 0, got {text}")
    return value


def seed_int(text: str) -> int:
    value = _int(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be a seed from 0 to 2^32 - 1, got {value}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
