"""Step counts on the plots' x axes read as 200k, 1.5M: whole numbers ran into each other."""

from app.gui.widgets.plots import LivePlots
from app.gui.widgets.step_axis import StepAxis, compact_count


def test_counts_are_compact():
    assert [compact_count(v) for v in (0, 350, 1_000, 200_000, 12_345, 1_500_000, -200_000)] == [
        "0",
        "350",
        "1k",
        "200k",
        "12.3k",
        "1.5M",
        "-200k",
    ]


def test_the_training_plots_label_steps_compactly(qtbot):
    plots = LivePlots()
    qtbot.addWidget(plots)
    for plot, _ in plots._plots:
        axis = plot.getAxis("bottom")
        assert isinstance(axis, StepAxis)
        assert axis.tickStrings([200_000.0, 400_000.0], 1.0, 200_000.0) == ["200k", "400k"]
