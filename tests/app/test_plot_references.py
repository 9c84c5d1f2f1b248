"""The demos' mean lines on the Train view's plots: their labels stay readable inside the plot."""

from app.gui.widgets.plots import LivePlots


def test_a_reference_label_sits_on_the_side_of_its_line_that_faces_the_plot(qtbot):
    plots = LivePlots()
    qtbot.addWidget(plots)
    plots.resize(1000, 700)
    plots.show()
    plots.clear(x_extent=100_000)
    plots.set_references(250.0, 300.0)  # early in a run: every curve below the demos' means
    plots.add_records(
        {"env_steps": 8192 * i, "train_return": 50.0 + 10 * i, "train_length": 100.0 + i} for i in range(1, 5)
    )
    plots.redraw()
    # The line is the highest thing drawn, so its label goes under it (text anchored by its top);
    # above it, the label was cut off by the plot's top edge.
    labels = [line.label for line in plots._references.values()]
    qtbot.waitUntil(lambda: all(tuple(label.anchor) == (1.0, 0.0) for label in labels))
    plots.add_records([{"env_steps": 40_000, "train_return": 900.0, "train_length": 1000.0}])
    plots.redraw()
    qtbot.waitUntil(lambda: all(tuple(label.anchor) == (1.0, 1.0) for label in labels))  # now above it
