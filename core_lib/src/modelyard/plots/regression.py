"""Regressor plots: residuals and prediction error."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelyard.plots._checks import same_length
from modelyard.plots.style import REFERENCE, colour, finish, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_residuals(y_true: Any, y_pred: Any, *, ax: Axes | None = None) -> Axes:
    """Residuals (true minus predicted) against the prediction; a pattern means bias.

    >>> from modelyard.plots import plot_residuals
    >>> plot_residuals([1.0, 2.0, 3.0], [1.1, 1.9, 3.2]).get_title()
    'Residuals'
    """
    y_true, y_pred = same_length(y_true=y_true, y_pred=y_pred)
    ax = new_axes(ax)
    ax.scatter(y_pred, y_true - y_pred, s=14, alpha=0.6, color=colour(0), label="sample")
    ax.axhline(0, linestyle="--", color=REFERENCE, linewidth=1, label="no error")
    return finish(ax, "Residuals", "Predicted value", "Residual (true - predicted)", legend=True)


def plot_prediction_error(y_true: Any, y_pred: Any, *, ax: Axes | None = None) -> Axes:
    """Predicted against true values; perfect predictions lie on the diagonal."""
    y_true, y_pred = same_length(y_true=y_true, y_pred=y_pred)
    ax = new_axes(ax)
    ax.scatter(y_true, y_pred, s=14, alpha=0.6, color=colour(0), label="sample")
    low = float(min(y_true.min(), y_pred.min()))
    high = float(max(y_true.max(), y_pred.max()))
    ax.plot([low, high], [low, high], "--", color=REFERENCE, linewidth=1, label="perfect")
    return finish(ax, "Prediction error", "True value", "Predicted value", legend=True)
