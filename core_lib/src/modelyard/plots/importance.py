"""Feature importance: the model's own (``coef_`` or ``feature_importances_``) and permutation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from modelyard.exceptions import PlotError
from modelyard.plots._checks import same_length
from modelyard.plots.style import colour, finish, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_feature_importance(
    estimator: Any,
    *,
    feature_names: Any = None,
    top_n: int = 20,
    ax: Axes | None = None,
) -> Axes:
    """The fitted estimator's own importances, largest first, named after the features.

    Tree ensembles give ``feature_importances_``; linear models give ``coef_``
    (signed for one output, mean absolute value over classes for several). For
    a Pipeline the importances are the final step's, and their names come
    through the earlier steps (a ColumnTransformer, one-hot encoding, ...) with
    ``get_feature_names_out``.

    Args:
        estimator: a fitted estimator or Pipeline.
        feature_names: names of the columns the estimator was fitted on; by
            default the ones it remembers (``feature_names_in_``).
        top_n: draw only the ``top_n`` largest (by absolute value).
        ax: the Axes to draw on; a new figure's when None.
    """
    names, values, kind = feature_importances(estimator, feature_names)
    order = np.argsort(-np.abs(values), kind="stable")[:top_n]
    ax = new_axes(ax)
    colours = [colour(0) if v >= 0 else colour(3) for v in values[order]]
    _bars(ax, names[order], values[order], colours)
    if (values < 0).any():
        ax.axvline(0, color="black", linewidth=0.8)
    title = "Feature importance" + (f" (top {top_n})" if len(values) > top_n else "")
    return finish(ax, title, kind, "Feature")


def feature_importances(estimator: Any, feature_names: Any = None) -> tuple[Any, Any, str]:
    """The names, values and kind (axis label) of a fitted estimator's own importances."""
    final, names = _final_step_and_names(estimator, feature_names)
    if hasattr(final, "feature_importances_"):
        values, kind = np.asarray(final.feature_importances_, dtype=float), "Importance"
    elif hasattr(final, "coef_"):
        coef = np.asarray(final.coef_, dtype=float)
        if coef.ndim == 1 or coef.shape[0] == 1:
            values, kind = coef.ravel(), "Coefficient"
        else:
            values, kind = np.abs(coef).mean(axis=0), "Mean |coefficient| over classes"
    else:
        raise PlotError(
            f"{type(final).__name__} has no coef_ or feature_importances_ (is it fitted, and "
            "is it a linear or tree model?); use plot_permutation_importance, which fits any model"
        )
    if names is None:
        names = [f"x{i}" for i in range(len(values))]
    names = np.asarray([str(name) for name in names])
    if len(names) != len(values):
        raise PlotError(
            f"{type(final).__name__} has {len(values)} importances but there are "
            f"{len(names)} feature names; pass the names of the columns it was fitted on"
        )
    return names, values, kind


def plot_permutation_importance(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    scoring: str | None = None,
    n_repeats: int = 5,
    random_state: int | None = 0,
    top_n: int = 20,
    n_jobs: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """How much the score drops when each input column is shuffled, largest first.

    Works for any fitted estimator; measure it on held-out data (the test split).
    Bars are the mean drop over ``n_repeats`` shuffles, whiskers one standard
    deviation; the columns are shuffled in ``n_jobs`` processes.
    """
    from sklearn.inspection import permutation_importance

    same_length(X=X, y=y)
    found = permutation_importance(
        estimator,
        X,
        y,
        scoring=scoring,
        n_repeats=n_repeats,
        random_state=random_state,
        n_jobs=n_jobs,
    )
    columns = getattr(X, "columns", None)
    names = np.asarray(
        [str(c) for c in columns] if columns is not None else [f"x{i}" for i in range(X.shape[1])]
    )
    order = np.argsort(-found.importances_mean, kind="stable")[:top_n]
    ax = new_axes(ax)
    _bars(ax, names[order], found.importances_mean[order], colour(0), found.importances_std[order])
    title = "Permutation importance" + (f" (top {top_n})" if len(names) > top_n else "")
    return finish(ax, title, f"Drop in {scoring or 'score'} when shuffled", "Feature")


def _bars(ax: Axes, names: Any, values: Any, colours: Any, errors: Any = None) -> None:
    """Horizontal bars, the first at the top."""
    rows = np.arange(len(names))
    ax.barh(rows, values, xerr=errors, color=colours, height=0.7)
    ax.set_yticks(rows, list(names))
    ax.invert_yaxis()


def _final_step_and_names(estimator: Any, feature_names: Any) -> tuple[Any, Any]:
    """The step that holds the importances, and the names of the columns it sees."""
    from sklearn.pipeline import Pipeline

    if not isinstance(estimator, Pipeline):
        return estimator, _given_or_remembered(estimator, feature_names)
    final = estimator.steps[-1][1]
    if len(estimator.steps) == 1:
        return final, _given_or_remembered(final, feature_names)
    try:
        return final, estimator[:-1].get_feature_names_out(feature_names)
    except (AttributeError, ValueError, TypeError):
        # A step that cannot name its output: x0, x1, ... unless the final step knows better.
        return final, getattr(final, "feature_names_in_", None)


def _given_or_remembered(step: Any, feature_names: Any) -> Any:
    return feature_names if feature_names is not None else getattr(step, "feature_names_in_", None)
