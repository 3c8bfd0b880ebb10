"""Importance plots: right values, right order, and the right names through Pipelines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from modelyard.exceptions import PlotError
from modelyard.plots import plot_feature_importance, plot_permutation_importance


def bars(ax):
    names = [t.get_text() for t in ax.get_yticklabels()]
    return names, [p.get_width() for p in ax.patches]


@pytest.fixture(scope="module")
def mixed_frame():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 10, 200),
            "income": rng.normal(50, 20, 200),
            "city": rng.choice(["oslo", "rome"], 200),
        }
    )
    y = (frame["age"] + 10 * (frame["city"] == "rome") + rng.normal(0, 5, 200) > 45).astype(int)
    return frame, y


def test_tree_importances_are_drawn_largest_first_with_the_column_names(binary_data):
    forest = RandomForestClassifier(n_estimators=20, random_state=0).fit(
        binary_data.x, binary_data.y
    )
    order = np.argsort(-forest.feature_importances_)[:5]

    names, widths = bars(plot_feature_importance(forest, top_n=5))

    assert names == list(binary_data.x.columns[order])
    np.testing.assert_allclose(widths, forest.feature_importances_[order])


def test_names_come_through_a_pipeline_with_a_column_transformer(mixed_frame):
    frame, y = mixed_frame
    pipeline = make_pipeline(
        ColumnTransformer(
            [("num", StandardScaler(), ["age", "income"]), ("cat", OneHotEncoder(), ["city"])]
        ),
        LogisticRegression(),
    ).fit(frame, y)
    coef = pipeline[-1].coef_.ravel()
    expected = pipeline[:-1].get_feature_names_out()[np.argsort(-np.abs(coef), kind="stable")]

    names, widths = bars(plot_feature_importance(pipeline))

    assert names == list(expected)
    assert set(names) == {"num__age", "num__income", "cat__city_oslo", "cat__city_rome"}
    np.testing.assert_allclose(sorted(np.abs(widths)), sorted(np.abs(coef)))


def test_signed_coefficients_keep_their_sign(mixed_frame):
    frame, y = mixed_frame
    model = LogisticRegression().fit(frame[["age", "income"]], y)

    names, widths = bars(plot_feature_importance(model))

    coef = dict(zip(["age", "income"], model.coef_.ravel(), strict=True))
    assert widths == pytest.approx([coef[n] for n in names])


def test_multiclass_coefficients_are_averaged_in_absolute_value(multiclass_data):
    model = LogisticRegression(max_iter=1000).fit(multiclass_data.x, multiclass_data.y)

    ax = plot_feature_importance(model)

    assert max(bars(ax)[1]) == pytest.approx(np.abs(model.coef_).mean(axis=0).max())
    assert ax.get_xlabel() == "Mean |coefficient| over classes"


def test_a_model_without_importances_points_to_permutation_importance(binary_data):
    knn = KNeighborsClassifier().fit(binary_data.x, binary_data.y)

    with pytest.raises(PlotError, match="plot_permutation_importance"):
        plot_feature_importance(knn)


def test_permutation_importance_matches_sklearns_and_is_sorted(binary_data):
    x, y = binary_data.x.iloc[:200], binary_data.y.iloc[:200]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x, y)
    found = permutation_importance(model, x, y, n_repeats=3, random_state=0)
    order = np.argsort(-found.importances_mean, kind="stable")[:8]

    names, widths = bars(plot_permutation_importance(model, x, y, n_repeats=3, top_n=8))

    assert names == list(x.columns[order])
    np.testing.assert_allclose(widths, found.importances_mean[order])
