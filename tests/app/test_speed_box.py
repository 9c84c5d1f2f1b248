"""The speed box remembers a speed per env, and a hand-edited settings value is dropped, never raised."""

import json

import pytest

from app.gui.widgets.speed_box import SpeedBox


@pytest.fixture
def box(qtbot):
    widget = SpeedBox()
    qtbot.addWidget(widget)
    widget.show_env("LunarLander-v3")
    return widget


def test_the_remembered_speeds_come_back(box):
    box.choose(0.5)
    again = SpeedBox()
    again.restore(box.remembered())
    again.show_env("LunarLander-v3")
    assert again.speed == 0.5


@pytest.mark.parametrize(
    "text",
    [
        '{"LunarLander-v3": ' + "[" * 100_000 + "]" * 100_000 + "}",  # was a RecursionError escaping restore
        '{"LunarLander-v3": 1' + "0" * 400 + "}",  # was an OverflowError escaping restore
        '{"LunarLander-v3": ' + "7" * 5000 + "}",
        '{"LunarLander-v3": 1e999}',
        '{"LunarLander-v3": true}',
        '{"LunarLander-v3": "0.25"}',
        '{"LunarLander-v3": 0.3}',
        "[0.25]",
        "not json",
        '{"LunarLander-v3": 0.25' + " " * 2**17 + "}",  # longer than any speeds the box writes
    ],
)
def test_a_hand_edited_value_is_dropped(box, text):
    box.restore(json.dumps({"CartPole-v1": 0.25}))
    box.restore(text)
    assert box.speed == 1.0  # LunarLander's: no speed read from it, so the default
