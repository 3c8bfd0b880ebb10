"""Metrics: the default set per task, computed from predictions made once.

A metric name is one of modelyard's own (:data:`CLASSIFICATION_METRICS`,
:data:`REGRESSION_METRICS`: computed from one set of predictions, binary and
multiclass alike) or any scikit-learn scorer name (``balanced_accuracy``,
``neg_log_loss``, ``precision_macro``, ...; see
:func:`sklearn.metrics.get_scorer_names`), reported as scikit-learn's scorer
reports it (so ``neg_*`` scorers are negative).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

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


def known_metrics() -> list[str]:
    """Every accepted metric name: modelyard's own first, then scikit-learn's scorers."""
    return [*_METRICS, *(n for n in sorted(skm.get_scorer_names()) if n not in _METRICS)]


def is_known_metric(name: str) -> bool:
    """Whether ``name`` is one of :func:`known_metrics`."""
    return name in _METRICS or name in skm.get_scorer_names()


def check_metric_names(names: Sequence[str]) -> None:
    """Raise a :class:`~modelyard.exceptions.ModelyardError` naming any unknown metric."""
    unknown = [name for name in names if not is_known_metric(name)]
    if unknown:
        raise ModelyardError(
            f"unknown metric {', '.join(map(repr, unknown))}; choose from "
            f"{', '.join(known_metrics())}"
        )


def measure(
    names: Sequence[str], estimator: Any, X: Any, y: Any, classes: Sequence[Any] | None
) -> tuple[dict[str, float], Predictions]:
    """Measure a fitted estimator on ``X``, ``y``: each named metric, and the predictions.

    modelyard's own metrics come from one set of predictions; any other name is
    scikit-learn's scorer of that name, called on the estimator.
    """
    check_metric_names(names)
    has_proba = classes is not None and callable(getattr(estimator, "predict_proba", None))
    predictions = Predictions(
        y_true=np.asarray(y),
        y_pred=np.asarray(estimator.predict(X)),
        y_proba=np.asarray(estimator.predict_proba(X)) if has_proba else None,
        classes=np.asarray(classes) if classes is not None else None,
    )
    values = {}
    for name in names:
        if name in _METRICS:
            values[name] = _METRICS[name](predictions)
        else:
            values[name] = _scorer(name, estimator, X, y)
    return values, predictions


def _scorer(name: str, estimator: Any, X: Any, y: Any) -> float:
    try:
        return float(skm.get_scorer(name)(estimator, X, y))
    except (AttributeError, TypeError, ValueError) as error:
        raise ModelyardError(
            f"metric '{name}' cannot be computed for {type(estimator).__name__}: {error}"
        ) from None
