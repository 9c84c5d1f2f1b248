import numpy as np
import pytest

from app.gui.widgets.series import DecimatingSeries


def test_memory_stays_bounded_and_recent_points_stay_exact():
    series = DecimatingSeries(capacity=100)
    for i in range(10_000):
        series.append(i, i * 2)
    assert len(series) <= 100
    x, y = series.arrays()
    assert np.all(np.diff(x) > 0)
    np.testing.assert_array_equal(y, 2 * x)
    assert x[-1] == 9_999 and x[0] == 0  # the whole run is still covered
    assert np.all(np.diff(x[-40:]) == 1)  # the newest points are at full detail


def test_value_near_picks_the_closest_point():
    series = DecimatingSeries()
    assert series.value_near(3) is None
    for x in (0, 10, 20):
        series.append(x, x + 1)
    assert series.value_near(4) == (0, 1)
    assert series.value_near(6) == (10, 11)
    assert series.value_near(99) == (20, 21)


def test_capacity_must_allow_thinning():
    with pytest.raises(ValueError):
        DecimatingSeries(capacity=2)


def test_every_plotted_curve_is_a_declared_metric():
    from app.gui.widgets.plots import PANELS
    from core.train.metrics import METRICS

    keys = {curve.key for panel in PANELS for curve in panel.curves}
    assert keys <= set(METRICS), keys - set(METRICS)


def test_each_panel_explains_its_curves_in_the_declared_words(qtbot):
    from app.gui.widgets.plots import PANELS, LivePlots
    from core.train.metrics import METRICS

    plots = LivePlots()
    qtbot.addWidget(plots)
    tooltips = [plot.toolTip() for plot, _ in plots._plots]
    assert len(tooltips) == len(PANELS)
    for tooltip, panel in zip(tooltips, PANELS, strict=True):
        for curve in panel.curves:
            assert f"{curve.label}: {METRICS[curve.key].meaning}" in tooltip
