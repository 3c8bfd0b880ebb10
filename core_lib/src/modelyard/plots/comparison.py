"""Comparison plot: one metric across several scored models, best first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from modelyard.plots._checks import same_length
from modelyard.plots.style import colour, finish, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_metric_comparison(
    labels: Any, values: Any, *, metric: str = "score", ax: Axes | None = None
) -> Axes:
    """One bar per model, in the order given (put the best first), value written on each.

    >>> from modelyard.plots import plot_metric_comparison
    >>> ax = plot_metric_comparison(["forest", "logistic"], [0.97, 0.95], metric="accuracy")
    >>> [label.get_text() for label in ax.get_yticklabels()]
    ['forest', 'logistic']
    """
    labels, values = same_length(labels=labels, values=values)
    rows = np.arange(len(labels))
    ax = new_axes(ax)
    bars = ax.barh(rows, values.astype(float), color=[colour(0)] + [colour(5)] * (len(rows) - 1))
    ax.bar_label(bars, fmt="%.4g", padding=3, fontsize="small")
    ax.set_yticks(rows, [str(label) for label in labels])
    ax.invert_yaxis()
    ax.margins(x=0.15)
    return finish(ax, f"Model comparison: {metric}", metric, "Model")
