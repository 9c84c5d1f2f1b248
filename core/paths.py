"""Where the bundled resources live, in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """The ``resources/`` folder: beside ``core/`` in a checkout, ``core/resources`` when installed."""
    checkout = _PACKAGE_DIR.parent / "resources"
    if checkout.is_dir():
        return checkout
    return _PACKAGE_DIR / "resources"


def sample_demos_dir(env_key: str) -> Path:
    """The bundled sample demo set of an env (the folder may not exist for record-only envs)."""
    return resources_dir() / "demos" / env_key
