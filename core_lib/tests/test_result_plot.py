"""result.plot: the right data for each plot, and only the plots that fit the model."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from modelyard.exceptions import PlotError

CLASSIFIER_PLOTS = [
    "confusion_matrix",
    "roc_curve",
    "pr_curve",
    "threshold_curve",
    "lift_curve",
    "calibration_curve",
    "feature_importance",
    "permutation_importance",
    "learning_curve",
    "validation_curve",
]
REGRESSOR_PLOTS = [
    "prediction_error",
    "residuals",
    "feature_importance",
    "permutation_importance",
    "learning_curve",
    "validation_curve",
]


def test_a_binary_classifier_offers_every_classifier_plot(binary_result):
    assert binary_result.plot.available() == CLASSIFIER_PLOTS


def test_a_regressor_offers_the_regressor_plots(regression_result):
    assert regression_result.plot.available() == REGRESSOR_PLOTS


def test_a_multiclass_classifier_has_no_threshold_curve(multiclass_result):
    assert "threshold_curve" not in multiclass_result.plot.available()
    assert "roc_curve" in multiclass_result.plot.available()


def test_tab_completion_lists_only_what_fits(regression_result):
    assert "residuals" in dir(regression_result.plot)
    assert "roc_curve" not in dir(regression_result.plot)


def test_a_classifier_plot_on_a_regressor_says_why_and_what_fits(regression_result):
    with pytest.raises(PlotError, match="roc_curve is a classifier plot and Ridge is a regressor"):
        regression_result.plot.roc_curve()


def test_a_regressor_plot_on_a_classifier_is_refused(binary_result):
    with pytest.raises(PlotError, match="residuals is a regressor plot"):
        binary_result.plot.residuals()


def test_probability_plots_without_predict_proba_are_refused(no_proba_result):
    assert "roc_curve" not in no_proba_result.plot.available()
    assert "confusion_matrix" in no_proba_result.plot.available()
    with pytest.raises(PlotError, match="has no predict_proba; plots that fit: confusion_matrix"):
        no_proba_result.plot.roc_curve()


def test_roc_curve_is_drawn_from_the_test_splits_probabilities(binary_result):
    p = binary_result.predictions
    fpr, tpr, _ = skm.roc_curve(p.y_true, p.y_proba[:, 1])

    ax = binary_result.plot.roc_curve()

    np.testing.assert_array_equal(ax.lines[0].get_xdata(), fpr)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), tpr)
    assert len(p.y_true) == binary_result.n_test


def test_confusion_matrix_counts_the_test_split(multiclass_result):
    p = multiclass_result.predictions

    ax = multiclass_result.plot.confusion_matrix()

    np.testing.assert_array_equal(
        ax.images[0].get_array(), skm.confusion_matrix(p.y_true, p.y_pred)
    )


def test_a_threshold_recuts_a_binary_classifiers_confusion_matrix(binary_result):
    p = binary_result.predictions

    ax = binary_result.plot.confusion_matrix(threshold=0.9)

    cut = np.where(p.y_proba[:, 1] >= 0.9, 1, 0)
    np.testing.assert_array_equal(ax.images[0].get_array(), skm.confusion_matrix(p.y_true, cut))


def test_feature_importance_names_the_original_columns_through_the_pipeline(binary_result):
    ax = binary_result.plot.feature_importance(top_n=3)

    names = [t.get_text() for t in ax.get_yticklabels()]
    assert set(names) <= set(binary_result.split.x_test.columns)
    coef = binary_result.fitted_estimator[-1].coef_.ravel()
    assert ax.patches[0].get_width() == pytest.approx(coef[np.abs(coef).argmax()])


def test_the_result_keeps_the_estimator_as_scored_when_the_model_is_trained_again(
    classifier, binary_data
):
    result = classifier.score(binary_data)
    before = result.fitted_estimator[-1].coef_.copy()

    classifier.train(binary_data)

    np.testing.assert_array_equal(result.fitted_estimator[-1].coef_, before)
    assert not np.array_equal(classifier.estimator[-1].coef_, before)


def test_validation_curve_sweeps_the_final_steps_regularisation(binary_result):
    ax = binary_result.plot.validation_curve(cv=3)

    assert ax.get_xlabel() == "logisticregression__C"
    assert len(ax.lines[0].get_xdata()) == 7


def test_validation_curve_takes_a_parameter_of_your_choice(regression_result):
    ax = regression_result.plot.validation_curve("alpha", [0.1, 1.0], cv=3)

    assert list(ax.lines[0].get_xdata()) == [0.1, 1.0]


def test_learning_curve_uses_every_scored_row(regression_result):
    ax = regression_result.plot.learning_curve(cv=3)

    rows = regression_result.n_train + regression_result.n_test
    largest_fold = -(-rows // 3)
    assert ax.lines[0].get_xdata()[-1] == rows - largest_fold


def test_regression_plots_come_from_the_test_split(regression_result):
    p = regression_result.predictions

    ax = regression_result.plot.residuals()

    np.testing.assert_allclose(
        ax.collections[0].get_offsets(), np.c_[p.y_pred, p.y_true - p.y_pred]
    )


def test_asking_why_about_an_unknown_plot_lists_the_plots(regression_result):
    with pytest.raises(PlotError, match="there is no plot 'roc'; choose from confusion_matrix"):
        regression_result.plot.why_not("roc")


def test_validation_curve_without_a_known_parameter_asks_for_one(regression_data, tmp_path):
    from sklearn.linear_model import LinearRegression

    from modelyard import Model

    result = Model(LinearRegression()).score(regression_data, run_dir=tmp_path)

    assert "validation_curve" not in result.plot.available()
    with pytest.raises(PlotError, match="validation_curve needs param_name and param_range"):
        result.plot.validation_curve()
    ax = result.plot.validation_curve("fit_intercept", [True, False], cv=3)
    assert ax.get_xlabel() == "fit_intercept"
