"""Every standard plot, drawn one way: functions of arrays, an optional ``ax``, the Axes back.

>>> from modelyard.plots import plot_roc_curve
>>> ax = plot_roc_curve([0, 1, 1, 0], [0.2, 0.9, 0.6, 0.4])

Each function draws on ``ax`` (or on a new figure), titles and labels it in
the house style (:mod:`modelyard.plots.style`) and returns the Axes. What was
drawn stays readable from the Axes' artists (``ax.lines``, ``ax.patches``,
``ax.images``, tick labels), which is what modelyard's tests check against
scikit-learn's own numbers.

matplotlib is imported on the first plot, not by ``import modelyard``; with no
display and no backend chosen, the non-interactive Agg backend is used.

The same plots, fed the right data, are ``result.plot.roc_curve()`` and so on
(:class:`~modelyard.plots.accessors.ResultPlots`), and ``dataset.plot``
(:class:`~modelyard.plots.accessors.DatasetPlots`). Which plots a result offers, and
what each needs, is the plot registry (:mod:`modelyard.plots.registry`).
"""

from modelyard.plots.classification import (
    plot_calibration_curve,
    plot_confusion_matrix,
    plot_lift_curve,
    plot_pr_curve,
    plot_roc_curve,
    plot_threshold_curve,
)
from modelyard.plots.comparison import plot_metric_comparison
from modelyard.plots.curves import plot_learning_curve, plot_validation_curve
from modelyard.plots.dataset import (
    plot_feature_distribution,
    plot_missing_data,
    plot_target_association,
    plot_target_correlation,
)
from modelyard.plots.importance import plot_feature_importance, plot_permutation_importance
from modelyard.plots.regression import plot_prediction_error, plot_residuals

__all__ = [
    "plot_calibration_curve",
    "plot_confusion_matrix",
    "plot_feature_distribution",
    "plot_feature_importance",
    "plot_learning_curve",
    "plot_lift_curve",
    "plot_metric_comparison",
    "plot_missing_data",
    "plot_permutation_importance",
    "plot_pr_curve",
    "plot_prediction_error",
    "plot_residuals",
    "plot_roc_curve",
    "plot_target_association",
    "plot_target_correlation",
    "plot_threshold_curve",
    "plot_validation_curve",
]
