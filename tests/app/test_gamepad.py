"""The gamepad poller's reading of SDL's game-controller layout (a stand-in pad: no hardware in CI)."""

import os

import pytest

from app.gui.gamepad import GamepadPoller
from core.envs.gamepad import PadState


class FakeController:
    """What pygame._sdl2.controller.Controller answers, for a pad held in one position."""

    name = "Fake Pad"

    def __init__(self, axes: dict[int, int], buttons: set[int]) -> None:
        self.axes, self.buttons = axes, buttons

    def get_axis(self, axis: int) -> int:
        return self.axes.get(axis, 0)

    def get_button(self, button: int) -> bool:
        return button in self.buttons


@pytest.fixture
def poller(qtbot):
    poller = GamepadPoller()
    if not poller.available:
        pytest.skip("pygame's game-controller API is not available here")
    yield poller
    poller.stop()


def test_sdl_keeps_its_hands_off_the_signals():
    GamepadPoller()
    assert os.environ.get("SDL_NO_SIGNAL_HANDLERS") == "1"  # else SIGTERM and Ctrl-C would be swallowed


def test_a_reading_maps_sticks_triggers_buttons_and_the_d_pad(qtbot, poller):
    import pygame

    readings = []
    poller.state_changed.connect(readings.append)
    poller._pad = FakeController(
        {pygame.CONTROLLER_AXIS_LEFTX: -32767, pygame.CONTROLLER_AXIS_TRIGGERRIGHT: 32767},
        {pygame.CONTROLLER_BUTTON_A, pygame.CONTROLLER_BUTTON_DPAD_UP},
    )
    poller.poll()
    (state,) = readings
    assert state.axis(0) == pytest.approx(-1.0) and state.trigger == pytest.approx(1.0)
    assert state.axis(4) == pytest.approx(-1.0)  # the left trigger at rest reads as released
    assert state.button(0) and state.hat == (0, 1) and state.active
    poller.poll()
    assert len(readings) == 1  # an unchanged pad sends nothing
    poller._pad = FakeController({}, set())
    poller.poll()
    assert readings[-1] == PadState((0.0, 0.0, 0.0, 0.0, -1.0, -1.0), (False,) * 4, (0, 0), poller.name)
    assert not readings[-1].active  # a pad at rest never takes over
