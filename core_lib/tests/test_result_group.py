"""ResultGroup: several results, best first, as a table and a comparison plot."""

from __future__ import annotations

import pytest
from sklearn.linear_model import Lasso, LinearRegression, Ridge

from modelyard import Model
from modelyard.exceptions import ModelyardError
from modelyard.result import ResultGroup


@pytest.fixture(scope="module")
def regressions(regression_data, tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    return [
        Model(estimator, name=type(estimator).__name__.lower()).score(regression_data, run_dir=runs)
        for estimator in (Lasso(alpha=5.0), Ridge(), LinearRegression())
    ]


def test_results_are_sorted_best_first_by_the_first_metric(regressions):
    group = ResultGroup(regressions)

    assert group.metric == "r2"
    r2 = [r.metrics["r2"] for r in group]
    assert r2 == sorted(r2, reverse=True)
    assert group.best.metrics["r2"] == max(r2)


def test_errors_are_sorted_lowest_first(regressions):
    group = ResultGroup(regressions, metric="rmse")

    rmse = [r.metrics["rmse"] for r in group]
    assert rmse == sorted(rmse)


def test_to_frame_has_a_row_per_result_in_rank_order(regressions):
    frame = ResultGroup(regressions).to_frame()

    assert list(frame.columns) == [
        "model_name",
        "estimator",
        "r2",
        "rmse",
        "mae",
        "n_train",
        "n_test",
    ]
    assert list(frame.index) == [1, 2, 3]
    assert frame["r2"].is_monotonic_decreasing


def test_the_comparison_plot_draws_each_results_metric_in_rank_order(regressions):
    group = ResultGroup(regressions)

    ax = group.plot(metric="mae")

    assert [t.get_text() for t in ax.get_yticklabels()] == group.labels()
    assert [p.get_width() for p in ax.patches] == pytest.approx([r.metrics["mae"] for r in group])
    assert ax.get_title() == "Model comparison: mae"


def test_an_empty_group_is_refused():
    with pytest.raises(ModelyardError, match="at least one Result"):
        ResultGroup([])


def test_sorting_by_a_metric_not_measured_names_the_results(regressions):
    with pytest.raises(ModelyardError, match="'accuracy': it was not measured for lasso"):
        ResultGroup(regressions, metric="accuracy")


def test_a_metric_that_could_not_be_computed_ranks_last(regressions):
    from dataclasses import replace

    broken = replace(regressions[0], model_name="broken", metrics={"r2": float("nan")})

    group = ResultGroup([broken, *regressions[1:]])

    assert group[-1].model_name == "broken"
