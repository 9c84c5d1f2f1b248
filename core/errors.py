"""The project's exception types, one per domain.

Each carries a message a user can act on; front ends print or show it without a traceback.
"""


class StudioError(Exception):
    """Base class of every error the application reports to a user."""


class EnvError(StudioError):
    """An unknown environment, or an action that does not fit one."""


class DemoError(StudioError):
    """A demonstration file or folder that cannot be used; names the path and the problem."""


class ConfigError(StudioError):
    """A setting that is unknown, of the wrong type or out of range; names the field."""


class CheckpointError(StudioError):
    """A run folder or checkpoint that cannot be read or does not fit the config."""


class TrainingError(StudioError):
    """Training cannot go on: a diverged quantity, a missing device; says which."""
