"""The project's exception types, one per domain.

Each carries a message a user can act on; front ends print or show it without a traceback.
"""


class StudioError(Exception):
    """Base class of every error the application reports to a user."""


class EnvError(StudioError):
    """An unknown environment, or an action that does not fit one."""


class DemoError(StudioError):
    """A demonstration file or folder that cannot be used; names the path and the problem."""
