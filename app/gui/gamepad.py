"""Gamepads through pygame's SDL game-controller API (pygame-ce comes with gymnasium[box2d]): polled
from a Qt timer, hot-plugged, handed on as ``PadState`` readings (``core.envs.gamepad`` maps them).

The game-controller API gives every pad SDL knows (Xbox, PlayStation, Switch Pro, most others) one
layout: the sticks, both triggers resting at 0, A/B/X/Y and the d-pad; a raw joystick SDL cannot
map is not used (its axes mean different things on every device). SDL needs its event loop pumped
to read pads, and pygame pumps only with its display module started: it is started with SDL's
dummy video driver (no window beside Qt's) and without SDL's signal handlers (which would swallow
SIGTERM and Ctrl-C).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from core.envs.gamepad import PadState

POLL_MS = 16  # about 60 readings a second, above every env's fps
STICK_RANGE = 32767.0  # SDL's axis values: sticks -32768..32767, triggers 0..32767


class GamepadPoller(QObject):
    state_changed = Signal(object)  # PadState, when a reading differs from the last
    pad_changed = Signal(str)  # the pad in use ("" when none): plugged in or pulled out

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.available = False
        self.name = ""
        self._pygame: Any = None
        self._controller: Any = None  # pygame._sdl2.controller
        self._pad: Any = None
        self._last = PadState()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.poll)
        with contextlib.suppress(Exception):  # no pygame, or SDL cannot start: the keyboard still works
            os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
            os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
            os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
            import pygame
            from pygame._sdl2 import controller

            pygame.display.init()
            pygame.joystick.init()
            controller.init()
            self._pygame, self._controller = pygame, controller
            self.available = True

    def start(self) -> None:
        if self.available:
            with contextlib.suppress(self._pygame.error):  # no pad now: one plugged in later is found
                self._open_first()
            self._timer.start(POLL_MS)

    def stop(self) -> None:
        self._timer.stop()

    def _open_first(self) -> None:
        controller = self._controller
        self._pad = None
        for index in range(self._pygame.joystick.get_count()):
            if controller.is_controller(index):
                self._pad = controller.Controller(index)
                break
        name = self._pad.name if self._pad is not None else ""
        if name != self.name:
            self.name = name
            self.pad_changed.emit(name)

    def poll(self) -> None:
        pygame = self._pygame
        if pygame is None:
            return
        try:
            plugging = (pygame.CONTROLLERDEVICEADDED, pygame.CONTROLLERDEVICEREMOVED)
            if any(event.type in plugging for event in pygame.event.get()):  # drained whole: it never fills
                self._open_first()
            state = self._read() if self._pad is not None else PadState()
        except pygame.error:  # the pad went away between two readings
            self._pad, state = None, PadState()
            with contextlib.suppress(pygame.error):
                self._open_first()
        if state != self._last:
            self._last = state
            self.state_changed.emit(state)

    def _read(self) -> PadState:
        pygame, pad = self._pygame, self._pad
        axes = [
            pad.get_axis(axis) / STICK_RANGE
            for axis in (
                pygame.CONTROLLER_AXIS_LEFTX,
                pygame.CONTROLLER_AXIS_LEFTY,
                pygame.CONTROLLER_AXIS_RIGHTX,
                pygame.CONTROLLER_AXIS_RIGHTY,
                pygame.CONTROLLER_AXIS_TRIGGERLEFT,
                pygame.CONTROLLER_AXIS_TRIGGERRIGHT,
            )
        ]
        axes[4:] = [2.0 * value - 1.0 for value in axes[4:]]  # triggers 0..1 -> PadState's -1 (rest)..1
        buttons = tuple(
            bool(pad.get_button(button))
            for button in (
                pygame.CONTROLLER_BUTTON_A,
                pygame.CONTROLLER_BUTTON_B,
                pygame.CONTROLLER_BUTTON_X,
                pygame.CONTROLLER_BUTTON_Y,
            )
        )
        pressed = {
            name: bool(pad.get_button(getattr(pygame, f"CONTROLLER_BUTTON_DPAD_{name}")))
            for name in ("LEFT", "RIGHT", "UP", "DOWN")
        }
        hat = (int(pressed["RIGHT"]) - int(pressed["LEFT"]), int(pressed["UP"]) - int(pressed["DOWN"]))
        return PadState(tuple(axes), buttons, hat, self.name)
