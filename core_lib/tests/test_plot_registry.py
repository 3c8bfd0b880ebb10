"""The plot registry: one entry per plot, from which result.plot and the report are derived."""

from __future__ import annotations

import numpy as np
import pytest

from modelyard.exceptions import PlotError
from modelyard.plots import plot_metric_comparison, registry
from modelyard.plots.registry import PlotSpec


def draw_test_rows(result, *, ax=None):
    return plot_metric_comparison(["test rows"], [result.n_test], metric="rows", ax=ax)


@pytest.fixture
def test_rows_plot():
    """A plot registered here, in the test, and nowhere else."""
    spec = registry.register(
        PlotSpec("test_rows", "Rows in the test split", draw_test_rows, ("regression",))
    )
    yield spec
    registry.PLOTS.pop(spec.name)


def test_a_registered_plot_is_offered_by_a_result_that_fits_it(test_rows_plot, regression_result):
    assert "test_rows" in regression_result.plot.available()
    assert "test_rows" in dir(regression_result.plot)


def test_a_registered_plot_is_drawn_as_a_method_of_result_plot(test_rows_plot, regression_result):
    ax = regression_result.plot.test_rows()

    assert ax.patches, "the registered draw function was not called"


def test_a_registered_plot_is_not_offered_to_a_task_it_does_not_name(test_rows_plot, binary_result):
    assert "test_rows" not in binary_result.plot.available()
    assert "test_rows is a regressor plot" in binary_result.plot.why_not("test_rows")


def test_a_registered_plot_is_in_the_report_under_its_title(
    test_rows_plot, regression_result, tmp_path
):
    path = regression_result.report(tmp_path / "report.html", plots=["test_rows"])

    text = path.read_text(encoding="utf-8")
    assert '<figure id="test_rows"><img alt="Rows in the test split" src="data:image/png' in text


def test_a_name_is_registered_once(test_rows_plot):
    with pytest.raises(PlotError, match="already a plot named 'test_rows'"):
        registry.register(PlotSpec("test_rows", "Again", draw_test_rows))


def test_a_need_modelyard_does_not_check_is_refused():
    with pytest.raises(PlotError, match="does not know; choose from proba"):
        PlotSpec("odd", "Odd", draw_test_rows, needs=frozenset({"gpu"}))


def test_the_report_titles_and_options_are_read_from_the_registry(test_rows_plot):
    from modelyard import report

    assert report.PLOT_TITLES["test_rows"] == "Rows in the test split"
    assert report.REPORT_OPTIONS["learning_curve"] == {"cv": 3}


def test_a_sample_of_labelled_rows_keeps_each_class_share_and_its_order():
    labels = np.array([0] * 900 + [1] * 100)

    positions = registry.sample_positions(labels, 100, stratify=True)

    assert len(positions) == 100
    assert list(positions) == sorted(positions)
    assert np.bincount(labels[positions]).tolist() == [90, 10]


def test_a_sample_is_the_same_rows_every_time():
    labels = np.arange(1000) % 3

    first = registry.sample_positions(labels, 50, stratify=False)

    assert list(registry.sample_positions(labels, 50, stratify=False)) == list(first)


def test_rows_within_the_bound_are_all_kept():
    assert list(registry.sample_positions(np.zeros(5), 10, stratify=True)) == [0, 1, 2, 3, 4]


def test_fewer_parameter_values_keep_both_ends_of_the_range():
    depths = registry.VALIDATION_PARAMS["max_depth"]

    assert registry.spread(depths, 4) == [1, 3, 6, 12]
    assert registry.spread(depths, None) == depths
