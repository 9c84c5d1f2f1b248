"""Test configuration shared by every test.

GUI and pygame code run without a screen: the platform variables are set here, before any test
module can import Qt or SDL, so nobody has to set them by hand.
"""

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

# Settings (QSettings) and the default workspace (platformdirs) go to a throwaway home, so that
# tests never read or write the user's own.
_SCRATCH_HOME = tempfile.mkdtemp(prefix="imitation-studio-tests-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_SCRATCH_HOME, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_SCRATCH_HOME, "data")
