"""Imitation Studio's engine: environments, demonstrations, experts and learning.

Nothing under ``core`` imports Qt, so the engine runs headless and its tests need no display.
"""

__version__ = "0.1.0"
