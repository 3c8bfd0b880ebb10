"""``result.plot`` and ``dataset.plot``: the plot functions, fed the right data.

The accessor of a result offers only the plots that fit its model: no ROC curve
for a regressor, no probability plots without ``predict_proba``. Asking for one
that does not fit raises :class:`~modelyard.exceptions.PlotError` saying why and
what fits instead; :meth:`ResultPlots.available` lists what does. Which plots
exist, what each needs and how it is drawn is the plot registry
(:mod:`modelyard.plots.registry`): a plot registered there is
``result.plot.<name>()`` with no change here.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from modelyard.exceptions import PlotError
from modelyard.plots import dataset, registry

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from modelyard.data import Dataset
    from modelyard.result import Result


class ResultPlots:
    """The plots of one :class:`~modelyard.result.Result`, reached as ``result.plot``.

    Each method takes an optional ``ax`` and returns the Axes drawn on; the
    data comes from the result (the test split's labels, predictions and
    probabilities; the fitted estimator for importances; all rows for
    learning and validation curves, refitting clones). Every plot of the
    registry that is offered on results is a method, named as registered.
    """

    def __init__(self, result: Result) -> None:
        self._result = result

    def available(self) -> list[str]:
        """Names of the plots that fit this result, in the order a report shows them."""
        return [
            spec.name
            for spec in registry.PLOTS.values()
            if spec.on_result and registry.why_not(self._result, spec.name) is None
        ]

    def why_not(self, name: str) -> str | None:
        """Why plot ``name`` does not fit this result, or None when it does."""
        self._offered(name)
        return registry.why_not(self._result, name)

    def draw(self, name: str, *args: Any, **options: Any) -> Axes:
        """Draw plot ``name`` with ``options`` (as its method takes them) and return the Axes.

        Any plot of the registry can be drawn this way, including the report's
        data plots, which are not methods of ``result.plot``.
        """
        spec = registry.get(name)
        reason = registry.why_not(self._result, name, *args, **options)
        if reason is not None:
            raise PlotError(f"{reason}; plots that fit: {', '.join(self.available())}")
        return spec.draw(self._result, *args, **options)

    def __getattr__(self, name: str) -> Any:
        spec = registry.PLOTS.get(name)
        if name.startswith("_") or spec is None or not spec.on_result:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return functools.partial(self.draw, name)

    def __dir__(self) -> list[str]:
        return ["available", "draw", "why_not", *self.available()]

    def _offered(self, name: str) -> None:
        spec = registry.get(name)
        if not spec.on_result:
            choices = [s.name for s in registry.PLOTS.values() if s.on_result]
            raise PlotError(f"there is no plot {name!r}; choose from {', '.join(choices)}")

    def confusion_matrix(
        self,
        *,
        normalize: str | None = None,
        threshold: float | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """The test split's confusion matrix; ``threshold`` re-cuts a binary classifier's scores."""
        return self.draw("confusion_matrix", normalize=normalize, threshold=threshold, ax=ax)

    def roc_curve(self, *, ax: Axes | None = None) -> Axes:
        """ROC curve of the test split (one per class and averages for multiclass)."""
        return self.draw("roc_curve", ax=ax)

    def pr_curve(self, *, ax: Axes | None = None) -> Axes:
        """Precision-recall curve of the test split."""
        return self.draw("pr_curve", ax=ax)

    def threshold_curve(self, *, ax: Axes | None = None) -> Axes:
        """Precision, recall and F1 against the decision threshold (binary classifiers)."""
        return self.draw("threshold_curve", ax=ax)

    def lift_curve(self, *, ax: Axes | None = None) -> Axes:
        """Lift curve of the test split."""
        return self.draw("lift_curve", ax=ax)

    def calibration_curve(
        self, *, n_bins: int = 10, max_rows: int | None = None, ax: Axes | None = None
    ) -> Axes:
        """Calibration of the predicted probabilities on the test split.

        ``max_rows`` bins a seeded, stratified sample of that many predictions (None: all).
        """
        return self.draw("calibration_curve", n_bins=n_bins, max_rows=max_rows, ax=ax)

    def prediction_error(self, *, ax: Axes | None = None) -> Axes:
        """Predicted against true values on the test split."""
        return self.draw("prediction_error", ax=ax)

    def residuals(self, *, ax: Axes | None = None) -> Axes:
        """Residuals against predictions on the test split."""
        return self.draw("residuals", ax=ax)

    def feature_importance(self, *, top_n: int = 20, ax: Axes | None = None) -> Axes:
        """The fitted estimator's own importances, named through its Pipeline."""
        return self.draw("feature_importance", top_n=top_n, ax=ax)

    def permutation_importance(
        self,
        *,
        n_repeats: int = 5,
        top_n: int = 20,
        max_rows: int | None = None,
        n_jobs: int | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """Drop in the estimator's score on the test split when each column is shuffled.

        ``max_rows`` shuffles a seeded sample of that many test rows (stratified for a
        classifier; None: every row); ``n_jobs`` shuffles the columns in that many processes.
        """
        return self.draw(
            "permutation_importance",
            n_repeats=n_repeats,
            top_n=top_n,
            max_rows=max_rows,
            n_jobs=n_jobs,
            ax=ax,
        )

    def learning_curve(
        self,
        *,
        cv: int = 5,
        train_sizes: Any = None,
        max_rows: int | None = None,
        n_jobs: int | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """Cross-validated score against training rows, over all the scored rows.

        ``train_sizes`` are shares of the training folds (by default five, from 0.1 to 1);
        ``max_rows`` refits on a seeded sample of that many rows (stratified for a
        classifier; None: every row); ``n_jobs`` refits in that many processes.
        """
        return self.draw(
            "learning_curve",
            cv=cv,
            train_sizes=train_sizes,
            max_rows=max_rows,
            n_jobs=n_jobs,
            ax=ax,
        )

    def validation_curve(
        self,
        param_name: str | None = None,
        param_range: Any = None,
        *,
        cv: int = 5,
        max_values: int | None = None,
        max_rows: int | None = None,
        n_jobs: int | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """Cross-validated score against one parameter, over all the scored rows.

        Without ``param_name``, the estimator's regularisation or size
        parameter is swept (see :data:`~modelyard.plots.registry.VALIDATION_PARAMS`).
        ``max_values`` tries that many values spread over the range, ends included;
        ``max_rows`` and ``n_jobs`` are as for :meth:`learning_curve`.
        """
        return self.draw(
            "validation_curve",
            param_name=param_name,
            param_range=param_range,
            cv=cv,
            max_values=max_values,
            max_rows=max_rows,
            n_jobs=n_jobs,
            ax=ax,
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
