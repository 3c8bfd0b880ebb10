"""Classifier plots draw exactly what scikit-learn computes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from modelyard.exceptions import PlotError
from modelyard.plots import (
    plot_calibration_curve,
    plot_confusion_matrix,
    plot_lift_curve,
    plot_pr_curve,
    plot_roc_curve,
    plot_threshold_curve,
)


@pytest.fixture(scope="module")
def binary():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    score = np.clip(0.35 * y + rng.uniform(0, 0.65, 300), 0, 1)
    return y, score


@pytest.fixture(scope="module")
def multiclass():
    rng = np.random.default_rng(1)
    y = rng.choice(["a", "b", "c"], 240)
    raw = rng.uniform(0, 1, (240, 3)) + 0.8 * (y[:, None] == np.array(["a", "b", "c"]))
    return y, raw / raw.sum(axis=1, keepdims=True)


def line(ax, label_start):
    return next(ln for ln in ax.lines if ln.get_label().startswith(label_start))


def test_roc_curve_draws_sklearns_roc_points_with_the_auc_in_the_legend(binary):
    y, score = binary
    fpr, tpr, _ = skm.roc_curve(y, score)

    ax = plot_roc_curve(y, score)

    drawn = line(ax, "class 1")
    np.testing.assert_array_equal(drawn.get_xdata(), fpr)
    np.testing.assert_array_equal(drawn.get_ydata(), tpr)
    assert f"AUC {skm.roc_auc_score(y, score):.3f}" in drawn.get_label()


def test_roc_curve_takes_predict_probas_two_columns(binary):
    y, score = binary
    ax = plot_roc_curve(y, np.column_stack([1 - score, score]))

    np.testing.assert_array_equal(line(ax, "class 1").get_xdata(), skm.roc_curve(y, score)[0])


def test_multiclass_roc_draws_one_curve_per_class_and_both_averages(multiclass):
    y, proba = multiclass

    ax = plot_roc_curve(y, proba)

    for i, label in enumerate("abc"):
        fpr, tpr, _ = skm.roc_curve(y == label, proba[:, i])
        np.testing.assert_array_equal(line(ax, f"class {label}").get_xdata(), fpr)
        np.testing.assert_array_equal(line(ax, f"class {label}").get_ydata(), tpr)
    micro = skm.roc_auc_score(y, proba, multi_class="ovr", average="micro")
    assert f"AUC {micro:.3f}" in line(ax, "micro average").get_label()
    assert line(ax, "macro average")


def test_pr_curve_draws_sklearns_precision_against_recall(binary):
    y, score = binary
    precision, recall, _ = skm.precision_recall_curve(y, score)

    drawn = line(plot_pr_curve(y, score), "class 1")

    np.testing.assert_array_equal(drawn.get_xdata(), recall)
    np.testing.assert_array_equal(drawn.get_ydata(), precision)
    assert f"AP {skm.average_precision_score(y, score):.3f}" in drawn.get_label()


def test_multiclass_pr_curve_has_a_curve_per_class_and_averages(multiclass):
    y, proba = multiclass

    labels = [ln.get_label() for ln in plot_pr_curve(y, proba).lines]

    assert [lbl.split(" (")[0] for lbl in labels] == [
        "class a",
        "class b",
        "class c",
        "micro average",
        "macro average",
    ]


def test_confusion_matrix_cells_are_the_counts(multiclass):
    y, proba = multiclass
    predicted = np.array(list("abc"))[proba.argmax(axis=1)]

    ax = plot_confusion_matrix(y, predicted)

    expected = skm.confusion_matrix(y, predicted)
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    assert [t.get_text() for t in ax.texts] == [str(v) for v in expected.ravel()]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]


def test_normalised_confusion_matrix_rows_sum_to_one(multiclass):
    y, proba = multiclass
    predicted = np.array(list("abc"))[proba.argmax(axis=1)]

    ax = plot_confusion_matrix(y, predicted, normalize="true")

    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()).sum(axis=1), 1.0)
    assert "over true labels" in ax.get_title()


def test_confusion_matrix_cuts_binary_scores_at_the_threshold(binary):
    y, score = binary

    ax = plot_confusion_matrix(y, y_score=score, threshold=0.7)

    expected = skm.confusion_matrix(y, (score >= 0.7).astype(int))
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    assert "threshold 0.7" in ax.get_title()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "either y_pred"),
        ({"y_pred": [0, 1], "y_score": [0.1, 0.9]}, "either y_pred"),
        ({"y_pred": [0, 1], "threshold": 0.3}, "threshold applies to y_score"),
        ({"y_pred": [0, 1], "normalize": "rows"}, "normalize must be"),
    ],
)
def test_confusion_matrix_rejects_contradictory_arguments(kwargs, message):
    with pytest.raises(PlotError, match=message):
        plot_confusion_matrix([0, 1], **kwargs)


def test_lift_is_the_positive_rate_of_the_top_share_over_the_overall_rate(binary):
    y, score = binary
    order = np.argsort(-score, kind="stable")
    top_tenth = y[order][:30].mean() / y.mean()

    drawn = line(plot_lift_curve(y, score), "class 1")

    assert drawn.get_xdata()[29] == pytest.approx(0.1)
    assert drawn.get_ydata()[29] == pytest.approx(top_tenth)
    assert drawn.get_ydata()[-1] == pytest.approx(1.0)


def test_multiclass_lift_has_a_curve_per_class_and_averages(multiclass):
    y, proba = multiclass

    labels = [ln.get_label() for ln in plot_lift_curve(y, proba).lines]

    assert labels[:5] == ["class a", "class b", "class c", "micro average", "macro average"]


def test_calibration_curve_draws_sklearns_bins(binary):
    y, score = binary
    observed, predicted = calibration_curve(y, score, n_bins=5)

    drawn = line(plot_calibration_curve(y, score, n_bins=5), "class 1")

    np.testing.assert_allclose(drawn.get_xdata(), predicted)
    np.testing.assert_allclose(drawn.get_ydata(), observed)


def test_calibration_curve_refuses_scores_outside_zero_to_one():
    with pytest.raises(PlotError, match="probabilities between 0 and 1"):
        plot_calibration_curve([0, 1, 0, 1], [-2.0, 3.0, 0.5, 0.1])


def test_threshold_curve_draws_precision_recall_and_f1_against_the_threshold(binary):
    y, score = binary
    precision, recall, thresholds = skm.precision_recall_curve(y, score)

    ax = plot_threshold_curve(y, score)

    np.testing.assert_array_equal(line(ax, "precision").get_xdata(), thresholds)
    np.testing.assert_array_equal(line(ax, "precision").get_ydata(), precision[:-1])
    np.testing.assert_array_equal(line(ax, "recall").get_ydata(), recall[:-1])
    f1 = line(ax, "F1").get_ydata()
    best = int(np.argmax(f1))
    cut = (score >= thresholds[best]).astype(int)
    assert f1[best] == pytest.approx(skm.f1_score(y, cut))


def test_threshold_curve_is_for_binary_classifiers_only(multiclass):
    with pytest.raises(PlotError, match="binary classifiers"):
        plot_threshold_curve(*multiclass)


def test_arrays_of_different_lengths_are_named():
    with pytest.raises(PlotError, match="y_true has 3, y_score has 2"):
        plot_roc_curve([0, 1, 0], [0.2, 0.4])


def test_a_single_score_column_for_three_classes_is_refused():
    with pytest.raises(PlotError, match="3 classes"):
        plot_roc_curve([0, 1, 2, 1], [0.2, 0.4, 0.1, 0.9])


def test_score_columns_must_match_the_classes():
    with pytest.raises(PlotError, match="2 columns but there are 3 classes"):
        plot_pr_curve([0, 1, 2], [[0.5, 0.5], [0.2, 0.8], [0.9, 0.1]])


def test_plots_draw_on_the_axes_given_and_title_it(binary):
    from matplotlib.figure import Figure

    ax = Figure().subplots()

    returned = plot_roc_curve(*binary, ax=ax)

    assert returned is ax
    assert ax.get_title() == "ROC curve"
    assert ax.get_xlabel() == "False positive rate"
    assert ax.get_ylabel() == "True positive rate"


def test_missing_scores_are_counted_in_the_error():
    with pytest.raises(PlotError, match="y_score has 1 missing or infinite values"):
        plot_roc_curve([0, 1, 0], [0.2, np.nan, 0.4])


def test_labels_given_as_scores_are_refused():
    with pytest.raises(PlotError, match="y_score must be numbers"):
        plot_roc_curve([0, 1], ["no", "yes"])
