"""The game's speed, from 25% to 100% of the env's fps, remembered per env: slow motion suits
LunarLander, not Acrobot."""

from __future__ import annotations

import contextlib
import json

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

from core.envs.registry import REGISTRY
from core.errors import StudioError
from core.records import parse_json_object

SPEEDS = (0.25, 0.5, 0.75, 1.0)
MAX_REMEMBERED_BYTES = 2**16  # a speed per env is a few hundred bytes; a longer text is cut, then not JSON


class SpeedBox(QComboBox):
    speed_changed = Signal()  # the shown speed changed, by the user or with the env

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for speed in SPEEDS:
            self.addItem(f"{speed:.0%} speed", speed)
        self.setCurrentIndex(len(SPEEDS) - 1)
        self.env_key = ""
        self._chosen: dict[str, float] = {}  # per env
        self.currentIndexChanged.connect(self._on_choice)

    @property
    def speed(self) -> float:
        return float(self.currentData())

    def choose(self, speed: float) -> None:
        """Pick ``speed`` as the user would (it is remembered for the env shown)."""
        index = self.findData(speed)
        if index < 0:
            raise StudioError(f"speed {speed} is not one of {', '.join(f'{s:.0%}' for s in SPEEDS)}")
        self.setCurrentIndex(index)

    def show_env(self, env_key: str) -> None:
        """Show the speed chosen for ``env_key`` (100% until one is)."""
        self.env_key = env_key
        self.blockSignals(True)
        self.setCurrentIndex(max(self.findData(self._chosen.get(env_key, 1.0)), 0))
        self.blockSignals(False)
        self.speed_changed.emit()

    def remembered(self) -> str:
        """The speeds chosen per env, as JSON for the settings."""
        return json.dumps(self._chosen)

    def restore(self, text: object) -> None:
        """The speeds ``remembered`` wrote; anything else in the settings (a hand-edited file: not
        JSON, nested ten thousand deep, a speed of 400 digits, not one of SPEEDS) is dropped."""
        with contextlib.suppress(StudioError):
            raw = str(text).encode("utf-8")
            speeds = parse_json_object(raw[:MAX_REMEMBERED_BYTES], "the remembered speeds", StudioError)
            self._chosen = {
                key: float(speed) for key, speed in speeds.items() if key in REGISTRY and _one_of_speeds(speed)
            }
        if self.env_key:
            self.show_env(self.env_key)

    def _on_choice(self) -> None:
        self._chosen[self.env_key] = self.speed
        self.speed_changed.emit()


def _one_of_speeds(value: object) -> bool:
    """A number equal to one of SPEEDS (compared exactly: an integer of 400 digits never converts)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value in SPEEDS
