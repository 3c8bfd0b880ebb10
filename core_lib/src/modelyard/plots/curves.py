"""Learning and validation curves: cross-validated scores against data size or a parameter."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from modelyard.exceptions import PlotError
from modelyard.plots._checks import same_length
from modelyard.plots.style import colour, finish, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_learning_curve(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    cv: int = 5,
    scoring: str | None = None,
    train_sizes: Any = (0.1, 0.325, 0.55, 0.775, 1.0),
    n_jobs: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Training and cross-validated score against the number of training rows.

    The estimator is cloned and refitted ``cv`` times per size (in ``n_jobs``
    processes); the estimator passed in is left as it is. Bands are one
    standard deviation over the folds.
    """
    from sklearn.model_selection import learning_curve

    same_length(X=X, y=y)
    with _quiet_fits():
        sizes, train, test = learning_curve(
            estimator,
            X,
            y,
            cv=cv,
            scoring=scoring,
            train_sizes=np.asarray(train_sizes),
            n_jobs=n_jobs,
        )
    ax = new_axes(ax)
    _scores_with_band(ax, sizes, train, test)
    return finish(ax, "Learning curve", "Training rows", _score_label(scoring), legend=True)


def plot_validation_curve(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    param_name: str,
    param_range: Any,
    cv: int = 5,
    scoring: str | None = None,
    n_jobs: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Training and cross-validated score against the values of one parameter.

    ``param_name`` is as ``set_params`` takes it (``"logisticregression__C"``
    for a Pipeline's step). A range spanning more than two orders of magnitude
    is drawn on a log scale. The fits run in ``n_jobs`` processes.
    """
    from sklearn.model_selection import validation_curve

    same_length(X=X, y=y)
    if param_name not in estimator.get_params():
        raise PlotError(
            f"{type(estimator).__name__} has no parameter {param_name!r}; choose one of "
            f"{', '.join(sorted(estimator.get_params()))}"
        )
    values = np.asarray(param_range)
    with _quiet_fits():
        train, test = validation_curve(
            estimator,
            X,
            y,
            param_name=param_name,
            param_range=values,
            cv=cv,
            scoring=scoring,
            n_jobs=n_jobs,
        )
    ax = new_axes(ax)
    _scores_with_band(ax, values, train, test)
    numeric = np.issubdtype(values.dtype, np.number)
    if numeric and values.min() > 0 and values.max() / values.min() > 100:
        ax.set_xscale("log")
    # The title names the parameter without its Pipeline step, so it fits the figure's width;
    # the x axis keeps the full name.
    title = f"Validation curve: {param_name.rsplit('__', 1)[-1]}"
    return finish(ax, title, param_name, _score_label(scoring), legend=True)


@contextlib.contextmanager
def _quiet_fits() -> Iterator[None]:
    """Silence non-convergence: a fit struggling at an extreme setting is what the curve shows."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _scores_with_band(ax: Axes, x: Any, train: Any, test: Any) -> None:
    for i, (label, scores) in enumerate((("training", train), ("cross-validation", test))):
        mean, std = scores.mean(axis=1), scores.std(axis=1)
        ax.plot(x, mean, "o-", color=colour(i), label=f"{label} score")
        ax.fill_between(x, mean - std, mean + std, color=colour(i), alpha=0.2)


def _score_label(scoring: str | None) -> str:
    return "Score" if scoring is None else f"Score ({scoring})"
