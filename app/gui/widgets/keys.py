"""Qt key codes to the key names ``core.envs`` uses ("Left", "A", ...)."""

from __future__ import annotations

from PySide6.QtCore import Qt

_NAMED = {
    Qt.Key.Key_Left: "Left",
    Qt.Key.Key_Right: "Right",
    Qt.Key.Key_Up: "Up",
    Qt.Key.Key_Down: "Down",
    Qt.Key.Key_Space: "Space",
}


def key_name(key: int) -> str | None:
    """The name of a Qt key code: arrows, Space, letters A-Z; None for anything else."""
    try:
        code = Qt.Key(key)
    except ValueError:
        return None
    if code in _NAMED:
        return _NAMED[code]
    if Qt.Key.Key_A.value <= code.value <= Qt.Key.Key_Z.value:
        return chr(code.value)
    return None
