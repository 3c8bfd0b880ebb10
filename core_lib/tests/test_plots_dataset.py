"""Dataset plots, as functions and as dataset.plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modelyard.exceptions import PlotError
from modelyard.plots import (
    plot_feature_distribution,
    plot_missing_data,
    plot_target_association,
    plot_target_correlation,
)
from modelyard.plots.dataset import target_association


def bars(ax):
    return [t.get_text() for t in ax.get_yticklabels()], [p.get_width() for p in ax.patches]


def test_numbers_against_a_numeric_target_are_pearsons_strongest_first(regression_data):
    x, y = regression_data.x, regression_data.y
    expected = x.corrwith(y)
    expected = expected.reindex(expected.abs().sort_values(ascending=False).index)

    names, widths = bars(plot_target_association(x, y, top_n=5))

    assert names == [f"{name} (r)" for name in expected.index[:5]]
    np.testing.assert_allclose(widths, expected.to_numpy()[:5])


def test_missing_data_shows_the_share_missing_per_feature_most_first():
    frame = pd.DataFrame({"a": [1, None, None, 4], "b": [1, 2, 3, 4], "c": [None, 2, 3, 4]})

    ax = plot_missing_data(frame)

    assert bars(ax) == (["a", "c"], [0.5, 0.25])
    assert ax.get_title() == "Missing values (2 of 3 features)"


def test_missing_data_says_so_when_nothing_is_missing(binary_data):
    ax = plot_missing_data(binary_data.x)

    assert ax.get_title() == "Missing values: none"
    assert "no missing values in 30 features and 569 rows" in ax.texts[0].get_text()


def test_feature_distribution_draws_one_histogram_per_class(multiclass_data):
    x, y = multiclass_data.x, multiclass_data.y

    ax = plot_feature_distribution(x, y, "petal length (cm)")

    heights = [sum(p.get_height() for p in container) for container in ax.containers]
    assert heights == [50, 50, 50]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "target = 0",
        "target = 1",
        "target = 2",
    ]


def test_feature_distribution_against_a_numeric_target_is_a_scatter(regression_data):
    x, y = regression_data.x, regression_data.y

    ax = plot_feature_distribution(x, y, "bmi")

    np.testing.assert_array_equal(ax.collections[0].get_offsets(), np.c_[x["bmi"], y])


def test_an_unknown_feature_is_named_with_the_columns(multiclass_data):
    with pytest.raises(PlotError, match="no feature 'petal'; the data has sepal length"):
        plot_feature_distribution(multiclass_data.x, multiclass_data.y, "petal")


def test_dataset_plot_draws_from_the_datasets_own_data(multiclass_data):
    ax = multiclass_data.plot.target_association()

    assert bars(ax)[0][0] == "petal length (cm) (η)"
    assert multiclass_data.plot.missing_data().get_title() == "Missing values: none"
    assert multiclass_data.plot.feature_distribution("sepal width (cm)").get_legend()


def test_a_categorical_feature_against_classes_counts_each_category_per_class():
    x = pd.DataFrame({"city": ["oslo", "rome", "rome", "oslo", "rome"]})
    y = pd.Series(["yes", "no", "yes", "yes", "yes"], name="churned")

    ax = plot_feature_distribution(x, y, "city")

    counts = {c.get_label(): [p.get_height() for p in c] for c in ax.containers}
    assert counts == {"no": [0, 1], "yes": [2, 2]}


def test_numbers_against_classes_use_the_correlation_ratio():
    x = pd.DataFrame({"a": [1.0, 1.0, 5.0, 5.0], "b": [4.0, 1.0, 3.0, 2.0]})

    table = target_association(x, pd.Series(["lo", "lo", "hi", "hi"]))

    assert table.loc["a", "measure"] == "correlation_ratio"
    assert table.loc["a", "association"] == pytest.approx(1.0)
    assert table.index[0] == "a"


def test_categories_against_classes_use_cramers_v_and_are_shown():
    x = pd.DataFrame({"city": ["oslo", "oslo", "rome", "rome"], "n": [1.0, 2.0, 3.0, 4.0]})

    names, widths = bars(plot_target_association(x, pd.Series(["a", "a", "b", "b"])))

    assert "city (V)" in names
    assert widths[names.index("city (V)")] == pytest.approx(1.0)


def test_categories_against_a_number_use_the_correlation_ratio():
    x = pd.DataFrame({"city": ["oslo", "oslo", "rome", "rome"]})

    table = target_association(x, pd.Series([1.0, 1.1, 9.0, 9.1]))

    assert table.loc["city", "measure"] == "correlation_ratio"
    assert table.loc["city", "association"] > 0.99


def test_a_feature_that_cannot_be_measured_is_named_as_left_out():
    x = pd.DataFrame({"same": [1.0, 1.0, 1.0], "n": [1.0, 2.0, 3.0]})

    ax = plot_target_association(x, pd.Series([1.0, 2.0, 3.0]))

    assert [t.get_text() for t in ax.texts] == ["left out: same (fewer than two distinct values)"]


def test_the_penguins_missing_values_and_strings_are_measured(penguins):
    table = target_association(penguins.x, penguins.y)

    assert set(table.index) == set(penguins.x.columns)
    assert table.loc["island", "measure"] == "cramers_v"
    assert table["association"].notna().all()


def test_the_old_name_is_a_deprecated_alias(multiclass_data):
    with pytest.deprecated_call():
        ax = plot_target_correlation(multiclass_data.x, multiclass_data.y)

    assert ax.get_title() == "Association with the target"
