"""Test configuration shared by every test.

GUI and pygame code run without a screen: the platform variables are set here, before any test
module can import Qt or SDL, so nobody has to set them by hand.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
