"""Dataset plots: what the data looks like before any model: correlation, gaps, distributions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from modelyard.exceptions import PlotError
from modelyard.plots.style import colour, finish, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: A target with at most this many distinct values, or not numeric, is treated as classes.
MAX_CLASSES = 20


def plot_target_correlation(
    x: pd.DataFrame, y: Any, *, top_n: int = 20, ax: Axes | None = None
) -> Axes:
    """Pearson correlation of each numeric feature with the target, strongest first.

    A non-numeric target is coded as its sorted category numbers first.
    """
    correlation = target_correlation(x, y)
    shown = correlation.iloc[:top_n]
    ax = new_axes(ax)
    rows = np.arange(len(shown))
    ax.barh(rows, shown.to_numpy(), color=[colour(0) if v >= 0 else colour(3) for v in shown])
    ax.set_yticks(rows, [str(name) for name in shown.index])
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    title = "Correlation with the target" + (f" (top {top_n})" if len(correlation) > top_n else "")
    return finish(ax, title, f"Pearson correlation with {_name(y)}", "Feature")


def target_correlation(x: pd.DataFrame, y: Any) -> pd.Series:
    """Correlation of each numeric column of ``x`` with ``y``, sorted by absolute value."""
    numeric = _frame(x).select_dtypes("number")
    if numeric.shape[1] == 0:
        raise PlotError("the data has no numeric features to correlate with the target")
    target = pd.Series(np.asarray(y), index=numeric.index)
    if not pd.api.types.is_numeric_dtype(target) or pd.api.types.is_bool_dtype(target):
        target = pd.Series(pd.Categorical(target).codes, index=numeric.index, dtype=float)
    correlation = numeric.corrwith(target.astype(float)).fillna(0.0)
    return correlation.iloc[np.argsort(-correlation.abs().to_numpy(), kind="stable")]


def plot_missing_data(x: pd.DataFrame, *, top_n: int = 20, ax: Axes | None = None) -> Axes:
    """Share of missing values per feature, most first (only features that have gaps)."""
    share = _frame(x).isna().mean()
    share = share[share > 0].sort_values(ascending=False, kind="stable")
    ax = new_axes(ax)
    if share.empty:
        ax.text(
            0.5,
            0.5,
            f"no missing values in {x.shape[1]} features and {len(x)} rows",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_yticks([])
        return finish(ax, "Missing values: none", "Share of rows missing", "Feature")
    shown = share.iloc[:top_n]
    rows = np.arange(len(shown))
    ax.barh(rows, shown.to_numpy(), color=colour(3))
    ax.set_yticks(rows, [str(name) for name in shown.index])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    title = f"Missing values ({len(share)} of {x.shape[1]} features)"
    return finish(ax, title, "Share of rows missing", "Feature")


def plot_feature_distribution(
    x: pd.DataFrame, y: Any, feature: str, *, bins: int = 30, ax: Axes | None = None
) -> Axes:
    """One feature against the target.

    For a classification target, one histogram of the feature per class (a
    categorical feature: counts per category and class); for a numeric target,
    the target against the feature.
    """
    frame = _frame(x)
    if feature not in frame.columns:
        raise PlotError(
            f"no feature {feature!r}; the data has {', '.join(map(str, frame.columns))}"
        )
    values, target = frame[feature], pd.Series(np.asarray(y), index=frame.index)
    ax = new_axes(ax)
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if is_classes(target):
        if numeric:
            edges = np.histogram_bin_edges(values.dropna(), bins=bins)
            for i, label in enumerate(sorted(target.unique())):
                ax.hist(
                    values[target == label].dropna(),
                    bins=edges,
                    alpha=0.5,
                    color=colour(i),
                    label=f"{_name(y)} = {label}",
                )
            return finish(ax, f"{feature} by {_name(y)}", str(feature), "Rows", legend=True)
        counts = pd.crosstab(values, target)
        counts.plot.bar(ax=ax, color=[colour(i) for i in range(counts.shape[1])], rot=0)
        return finish(ax, f"{feature} by {_name(y)}", str(feature), "Rows", legend=True)
    if numeric:
        ax.scatter(values, target, s=12, alpha=0.5, color=colour(0))
    else:
        means = target.groupby(values).mean()
        ax.bar([str(v) for v in means.index], means.to_numpy(), color=colour(0))
    return finish(ax, f"{_name(y)} against {feature}", str(feature), _name(y))


def is_classes(target: pd.Series) -> bool:
    """Whether a target looks like class labels (not numeric, or few distinct integers)."""
    if not pd.api.types.is_numeric_dtype(target) or pd.api.types.is_bool_dtype(target):
        return True
    integral = np.all(np.mod(target.dropna().to_numpy(dtype=float), 1) == 0)
    return bool(integral and target.nunique() <= MAX_CLASSES)


def _frame(x: Any) -> pd.DataFrame:
    if not isinstance(x, pd.DataFrame):
        raise PlotError(f"dataset plots take a pandas DataFrame, not {type(x).__name__}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise PlotError(f"nothing to plot: the data has shape {x.shape}")
    return x


def _name(y: Any) -> str:
    name = getattr(y, "name", None)
    return str(name) if name is not None else "target"
