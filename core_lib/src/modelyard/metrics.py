"""Metrics: the default set per task, computed from predictions made once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

from modelyard.exceptions import ModelyardError

#: Metrics reported for a classifier when none are configured.
CLASSIFICATION_METRICS = ("accuracy", "roc_auc", "f1")
#: Metrics reported for a regressor when none are configured.
REGRESSION_METRICS = ("r2", "rmse", "mae")


@dataclass(frozen=True)
class Predictions:
    """What a fitted model said about a test set: labels and, when it can, probabilities."""

    y_true: np.ndarray
    y_pred: np.ndarray
    y_proba: np.ndarray | None = None
    classes: np.ndarray | None = None


def _roc_auc(p: Predictions) -> float:
    if p.y_proba is None:
        raise ModelyardError(
            "roc_auc needs predict_proba, which this estimator does not have; "
            "drop roc_auc from the metrics or use an estimator with predict_proba"
        )
    if p.y_proba.shape[1] == 2:
        return float(skm.roc_auc_score(p.y_true, p.y_proba[:, 1]))
    return float(skm.roc_auc_score(p.y_true, p.y_proba, multi_class="ovr", labels=p.classes))


def _f1(p: Predictions) -> float:
    binary = p.classes is not None and len(p.classes) == 2
    average = "binary" if binary else "macro"
    pos_label = p.classes[1] if binary else 1
    return float(skm.f1_score(p.y_true, p.y_pred, average=average, pos_label=pos_label))


_METRICS: dict[str, Callable[[Predictions], float]] = {
    "accuracy": lambda p: float(skm.accuracy_score(p.y_true, p.y_pred)),
    "roc_auc": _roc_auc,
    "f1": _f1,
    "r2": lambda p: float(skm.r2_score(p.y_true, p.y_pred)),
    "rmse": lambda p: float(np.sqrt(skm.mean_squared_error(p.y_true, p.y_pred))),
    "mae": lambda p: float(skm.mean_absolute_error(p.y_true, p.y_pred)),
}


def default_metrics(task: str) -> tuple[str, ...]:
    """The metrics reported for a task when none are configured."""
    return CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS


def check_metric_names(names: Sequence[str]) -> None:
    """Raise a :class:`~modelyard.exceptions.ModelyardError` naming any unknown metric."""
    unknown = [name for name in names if name not in _METRICS]
    if unknown:
        raise ModelyardError(
            f"unknown metric {', '.join(map(repr, unknown))}; choose from {', '.join(_METRICS)}"
        )


def compute_metrics(names: Sequence[str], predictions: Predictions) -> dict[str, float]:
    """Compute each named metric; binary and multiclass targets are both handled.

    F1 is binary F1 of the second class for two classes and macro-averaged
    otherwise; ROC AUC is one-vs-rest for more than two classes.
    """
    check_metric_names(names)
    return {name: _METRICS[name](predictions) for name in names}
