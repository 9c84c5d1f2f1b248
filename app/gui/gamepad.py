"""Gamepads through pygame's joystick module (pygame-ce comes with gymnasium[box2d]): polled from
a Qt timer, hot-plugged, handed on as ``PadState`` readings (``core.envs.gamepad`` maps them).

SDL needs its event loop pumped to read pads, and pygame pumps only with its display module
started; it is started with SDL's dummy video driver, so no window opens beside Qt's.
"""

from __future__ import annotations

import contextlib
import os

from PySide6.QtCore import QObject, QTimer, Signal

from core.envs.gamepad import PadState

POLL_MS = 16  # about 60 readings a second, above every env's fps


class GamepadPoller(QObject):
    state_changed = Signal(object)  # PadState, when a reading differs from the last
    pad_changed = Signal(str)  # the pad in use ("" when none): plugged in or pulled out

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.available = False
        self.name = ""
        self._pygame = None
        self._pad = None
        self._last = PadState()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.poll)
        with contextlib.suppress(Exception):  # no pygame, or SDL cannot start: the keyboard still works
            os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
            import pygame

            pygame.display.init()
            pygame.joystick.init()
            self._pygame = pygame
            self.available = True

    def start(self) -> None:
        if self.available:
            self._open_first()
            self._timer.start(POLL_MS)

    def stop(self) -> None:
        self._timer.stop()

    def _open_first(self) -> None:
        pygame = self._pygame
        pad = pygame.joystick.Joystick(0) if pygame.joystick.get_count() else None
        name = pad.get_name() if pad is not None else ""
        self._pad = pad
        if name != self.name:
            self.name = name
            self.pad_changed.emit(name)

    def poll(self) -> None:
        pygame = self._pygame
        if pygame is None:
            return
        plugged = False
        for event in pygame.event.get((pygame.JOYDEVICEADDED, pygame.JOYDEVICEREMOVED)):
            plugged = plugged or event.type in (pygame.JOYDEVICEADDED, pygame.JOYDEVICEREMOVED)
        if plugged:
            self._open_first()
        pygame.event.pump()
        pad = self._pad
        if pad is None:
            state = PadState()
        else:
            state = PadState(
                tuple(pad.get_axis(i) for i in range(pad.get_numaxes())),
                tuple(bool(pad.get_button(i)) for i in range(pad.get_numbuttons())),
                pad.get_hat(0) if pad.get_numhats() else (0, 0),
                self.name,
            )
        if state != self._last:
            self._last = state
            self.state_changed.emit(state)
