"""Drift plots: a feature's reference bins against its current bins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from modelyard.exceptions import PlotError
from modelyard.plots.style import colour, finish, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_drift_bins(
    labels: Any,
    reference: Any,
    current: Any,
    *,
    title: str = "Reference and current shares",
    ax: Axes | None = None,
) -> Axes:
    """The share of rows per bin, in training (reference) and now (current), side by side.

    Args:
        labels: one label per bin (as :attr:`modelyard.drift.FeatureSketch.labels`).
        reference: the reference share per bin.
        current: the current share per bin.
        title: the plot's title, usually the feature's name and verdict.
        ax: the Axes to draw on; a new figure when None.

    >>> from modelyard.plots.drift import plot_drift_bins
    >>> len(plot_drift_bins(["a", "b"], [0.5, 0.5], [0.2, 0.8]).patches)
    4
    """
    labels = [str(label) for label in labels]
    reference = np.asarray(reference, dtype=float)
    current = np.asarray(current, dtype=float)
    if not len(labels) == len(reference) == len(current):
        raise PlotError(
            f"{len(labels)} labels, {len(reference)} reference and {len(current)} current "
            "shares; give one of each per bin"
        )
    ax = new_axes(ax)
    where = np.arange(len(labels))
    width = 0.4
    ax.bar(where - width / 2, reference, width, color=colour(0), label="reference (training)")
    ax.bar(where + width / 2, current, width, color=colour(1), label="current")
    slanted = {"rotation": 45, "ha": "right"} if len(labels) > 6 else {}
    ax.set_xticks(where, labels, **slanted)
    return finish(ax, title, "Bin", "Share of rows", legend=True)
