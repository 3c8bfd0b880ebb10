"""``result.plot`` and ``dataset.plot``: the plot functions, fed the right data.

The accessor of a result offers only the plots that fit its model: no ROC curve
for a regressor, no probability plots without ``predict_proba``. Asking for one
that does not fit raises :class:`~modelyard.exceptions.PlotError` saying why and
what fits instead; :meth:`ResultPlots.available` lists what does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from modelyard.exceptions import PlotError
from modelyard.plots import classification, curves, dataset, importance, regression

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from modelyard.data import Dataset
    from modelyard.result import Result

_CLASSIFIER_PLOTS = (
    "confusion_matrix",
    "roc_curve",
    "pr_curve",
    "threshold_curve",
    "lift_curve",
    "calibration_curve",
)
_REGRESSOR_PLOTS = ("prediction_error", "residuals")
_MODEL_PLOTS = (
    "feature_importance",
    "permutation_importance",
    "learning_curve",
    "validation_curve",
)
_NEEDS_PROBA = ("roc_curve", "pr_curve", "threshold_curve", "lift_curve", "calibration_curve")
#: Parameters the validation curve sweeps when none is named (the first the estimator
#: has, in this order: max_depth before alpha, which is not a penalty in gradient boosting).
VALIDATION_PARAMS: dict[str, list[Any]] = {
    "C": [0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0],
    "max_depth": [1, 2, 3, 4, 6, 8, 12],
    "n_neighbors": [1, 3, 5, 9, 15, 25],
    "alpha": [0.0001, 0.001, 0.01, 0.1, 1.0, 10.0, 100.0],
}


class ResultPlots:
    """The plots of one :class:`~modelyard.result.Result`, reached as ``result.plot``.

    Each method takes an optional ``ax`` and returns the Axes drawn on; the
    data comes from the result (the test split's labels, predictions and
    probabilities; the fitted estimator for importances; all rows for
    learning and validation curves, refitting clones).
    """

    def __init__(self, result: Result) -> None:
        self._result = result

    def available(self) -> list[str]:
        """Names of the plots that fit this result, in the order a report shows them."""
        names = _CLASSIFIER_PLOTS + _REGRESSOR_PLOTS + _MODEL_PLOTS
        return [name for name in names if self.why_not(name) is None]

    def why_not(self, name: str) -> str | None:
        """Why plot ``name`` does not fit this result, or None when it does."""
        reason = self._unfit(name)
        unknown_param = default_validation_param(self._result.fitted_estimator) is None
        if reason is None and name == "validation_curve" and unknown_param:
            return "validation_curve needs param_name and param_range for this estimator"
        return reason

    def _unfit(self, name: str) -> str | None:
        """Why plot ``name`` cannot be drawn for this result at all (any arguments)."""
        if name not in _CLASSIFIER_PLOTS + _REGRESSOR_PLOTS + _MODEL_PLOTS:
            raise PlotError(
                f"there is no plot {name!r}; choose from "
                f"{', '.join(_CLASSIFIER_PLOTS + _REGRESSOR_PLOTS + _MODEL_PLOTS)}"
            )
        r, p = self._result, self._result.predictions
        kind = "classifier" if r.task == "classification" else "regressor"
        if name in _CLASSIFIER_PLOTS and r.task != "classification":
            return f"{name} is a classifier plot and {r.estimator} is a {kind}"
        if name in _REGRESSOR_PLOTS and r.task != "regression":
            return f"{name} is a regressor plot and {r.estimator} is a {kind}"
        if name in _NEEDS_PROBA and p.y_proba is None:
            return f"{name} needs predicted probabilities and {r.estimator} has no predict_proba"
        if name == "threshold_curve" and p.y_proba is not None and p.y_proba.shape[1] != 2:
            classes = p.y_proba.shape[1]
            return f"threshold_curve is for binary classifiers; this one has {classes} classes"
        if name in _MODEL_PLOTS and r.cv:
            return (
                f"{name} needs one fitted estimator and its test split, and a "
                f"{r.cv}-fold cross-validated result has one per fold; score without cv for it"
            )
        if name in _MODEL_PLOTS and r.fitted_estimator is None:
            return f"{name} needs the fitted estimator, which this result does not keep"
        if name == "feature_importance":
            try:
                importance.feature_importances(r.fitted_estimator, _columns(r))
            except PlotError as error:
                return str(error)
        if name in _MODEL_PLOTS[1:] and r.split is None:
            return f"{name} needs the scored data, which this result does not keep"
        if name in _MODEL_PLOTS[2:] and not callable(
            getattr(r.fitted_estimator, "get_params", None)
        ):
            return f"{name} refits clones of the estimator, and {r.estimator} has no get_params"
        return None

    def __dir__(self) -> list[str]:
        return ["available", "why_not", *self.available()]

    def _check(self, name: str, *, default_params: bool = True) -> Result:
        """The result, once plot ``name`` is known to fit (with its default arguments or not)."""
        reason = self.why_not(name) if default_params else self._unfit(name)
        if reason is not None:
            raise PlotError(f"{reason}; plots that fit: {', '.join(self.available())}")
        return self._result

    def confusion_matrix(
        self,
        *,
        normalize: str | None = None,
        threshold: float | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """The test split's confusion matrix; ``threshold`` re-cuts a binary classifier's scores."""
        p = self._check("confusion_matrix").predictions
        if threshold is None:
            return classification.plot_confusion_matrix(
                p.y_true, p.y_pred, normalize=normalize, labels=p.classes, ax=ax
            )
        if p.y_proba is None or p.y_proba.shape[1] != 2:
            raise PlotError(
                "a threshold applies to a binary classifier's predicted probabilities; "
                "this one has none or more than two classes, so leave threshold out"
            )
        return classification.plot_confusion_matrix(
            p.y_true,
            y_score=p.y_proba,
            threshold=threshold,
            normalize=normalize,
            labels=p.classes,
            ax=ax,
        )

    def roc_curve(self, *, ax: Axes | None = None) -> Axes:
        """ROC curve of the test split (one per class and averages for multiclass)."""
        p = self._check("roc_curve").predictions
        return classification.plot_roc_curve(p.y_true, p.y_proba, classes=p.classes, ax=ax)

    def pr_curve(self, *, ax: Axes | None = None) -> Axes:
        """Precision-recall curve of the test split."""
        p = self._check("pr_curve").predictions
        return classification.plot_pr_curve(p.y_true, p.y_proba, classes=p.classes, ax=ax)

    def threshold_curve(self, *, ax: Axes | None = None) -> Axes:
        """Precision, recall and F1 against the decision threshold (binary classifiers)."""
        p = self._check("threshold_curve").predictions
        return classification.plot_threshold_curve(p.y_true, p.y_proba, classes=p.classes, ax=ax)

    def lift_curve(self, *, ax: Axes | None = None) -> Axes:
        """Lift curve of the test split."""
        p = self._check("lift_curve").predictions
        return classification.plot_lift_curve(p.y_true, p.y_proba, classes=p.classes, ax=ax)

    def calibration_curve(self, *, n_bins: int = 10, ax: Axes | None = None) -> Axes:
        """Calibration of the predicted probabilities on the test split."""
        p = self._check("calibration_curve").predictions
        return classification.plot_calibration_curve(
            p.y_true, p.y_proba, classes=p.classes, n_bins=n_bins, ax=ax
        )

    def prediction_error(self, *, ax: Axes | None = None) -> Axes:
        """Predicted against true values on the test split."""
        p = self._check("prediction_error").predictions
        return regression.plot_prediction_error(p.y_true, p.y_pred, ax=ax)

    def residuals(self, *, ax: Axes | None = None) -> Axes:
        """Residuals against predictions on the test split."""
        p = self._check("residuals").predictions
        return regression.plot_residuals(p.y_true, p.y_pred, ax=ax)

    def feature_importance(self, *, top_n: int = 20, ax: Axes | None = None) -> Axes:
        """The fitted estimator's own importances, named through its Pipeline."""
        r = self._check("feature_importance")
        return importance.plot_feature_importance(
            r.fitted_estimator, feature_names=_columns(r), top_n=top_n, ax=ax
        )

    def permutation_importance(
        self, *, n_repeats: int = 5, top_n: int = 20, ax: Axes | None = None
    ) -> Axes:
        """Drop in the estimator's score on the test split when each column is shuffled."""
        r = self._check("permutation_importance")
        assert r.split is not None
        return importance.plot_permutation_importance(
            r.fitted_estimator,
            r.split.x_test,
            r.split.y_test,
            n_repeats=n_repeats,
            top_n=top_n,
            ax=ax,
        )

    def learning_curve(self, *, cv: int = 5, ax: Axes | None = None) -> Axes:
        """Cross-validated score against training rows, over all the scored rows."""
        r = self._check("learning_curve")
        x, y = _all_rows(r)
        return curves.plot_learning_curve(r.fitted_estimator, x, y, cv=cv, ax=ax)

    def validation_curve(
        self,
        param_name: str | None = None,
        param_range: Any = None,
        *,
        cv: int = 5,
        ax: Axes | None = None,
    ) -> Axes:
        """Cross-validated score against one parameter, over all the scored rows.

        Without ``param_name``, the estimator's regularisation or size
        parameter is swept (see :data:`VALIDATION_PARAMS`).
        """
        r = self._check("validation_curve", default_params=param_name is None)
        if param_name is None:
            found = default_validation_param(r.fitted_estimator)
            assert found is not None
            param_name, param_range = found
        if param_range is None:
            raise PlotError(f"give param_range, the values of {param_name} to try")
        x, y = _all_rows(r)
        return curves.plot_validation_curve(
            r.fitted_estimator, x, y, param_name=param_name, param_range=param_range, cv=cv, ax=ax
        )


class DatasetPlots:
    """The plots of a :class:`~modelyard.data.Dataset`, reached as ``dataset.plot``."""

    def __init__(self, data: Dataset) -> None:
        self._data = data

    def target_association(self, *, top_n: int = 20, ax: Axes | None = None) -> Axes:
        """Association of each feature (numbers and categories) with the target."""
        return dataset.plot_target_association(self._data.x, self._data.y, top_n=top_n, ax=ax)

    def target_correlation(self, *, top_n: int = 20, ax: Axes | None = None) -> Axes:
        """Deprecated: the same as :meth:`target_association`."""
        return dataset.plot_target_correlation(self._data.x, self._data.y, top_n=top_n, ax=ax)

    def missing_data(self, *, top_n: int = 20, ax: Axes | None = None) -> Axes:
        """Share of missing values per feature."""
        return dataset.plot_missing_data(self._data.x, top_n=top_n, ax=ax)

    def feature_distribution(self, feature: str, *, ax: Axes | None = None) -> Axes:
        """The distribution of ``feature`` against the target."""
        return dataset.plot_feature_distribution(self._data.x, self._data.y, feature, ax=ax)


def default_validation_param(estimator: Any) -> tuple[str, list[Any]] | None:
    """The parameter a validation curve sweeps for ``estimator`` and its range, if one is known."""
    get_params = getattr(estimator, "get_params", None)
    if not callable(get_params):
        return None
    params = get_params()
    final = getattr(estimator, "steps", None)
    prefix = f"{final[-1][0]}__" if final else ""
    for name, values in VALIDATION_PARAMS.items():
        if prefix + name in params:
            return prefix + name, values
    return None


def _columns(result: Result) -> Any:
    return None if result.split is None else list(result.split.x_test.columns)


def _all_rows(result: Result) -> tuple[pd.DataFrame, pd.Series]:
    assert result.split is not None
    s = result.split
    return pd.concat([s.x_train, s.x_test]), pd.concat([s.y_train, s.y_test])
