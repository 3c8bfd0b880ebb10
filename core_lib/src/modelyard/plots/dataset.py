"""Dataset plots: what the data looks like before any model: association, gaps, distributions."""

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


#: The measures of association, by the kinds of feature and target they suit.
MEASURES = {
    "pearson": "Pearson's r (number against number)",
    "correlation_ratio": "correlation ratio η (number against classes, category against number)",
    "cramers_v": "Cramér's V (category against classes)",
}
_SYMBOLS = {"pearson": "r", "correlation_ratio": "η", "cramers_v": "V"}


def plot_target_association(
    x: pd.DataFrame, y: Any, *, top_n: int = 20, ax: Axes | None = None
) -> Axes:
    """How strongly each feature goes with the target, by a measure that suits both kinds.

    Numbers against a numeric target: Pearson's r (signed). Numbers against
    classes, and categories against a numeric target: the correlation ratio η.
    Categories against classes: Cramér's V. Each bar is labelled with its
    measure; features left out (no two distinct values) are named under the plot.
    Missing values are left out pair by pair.
    """
    table = target_association(x, y)
    measured = table.dropna(subset=["association"])
    shown = measured.iloc[:top_n]
    ax = new_axes(ax)
    rows = np.arange(len(shown))
    values = shown["association"].to_numpy()
    ax.barh(rows, values, color=[colour(0) if v >= 0 else colour(3) for v in values])
    labels = [
        f"{name} ({_SYMBOLS[m]})" for name, m in zip(shown.index, shown["measure"], strict=True)
    ]
    ax.set_yticks(rows, labels)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    left_out = table[table["association"].isna()]
    if len(left_out):
        names = ", ".join(
            f"{n} ({r})" for n, r in zip(left_out.index, left_out["note"], strict=True)
        )
        ax.text(
            0.99, 0.01, f"left out: {names}", transform=ax.transAxes, fontsize=8,
            ha="right", va="bottom",
        )  # fmt: skip
    used = [MEASURES[m] for m in dict.fromkeys(shown["measure"])]
    more = f" (top {top_n})" if len(measured) > top_n else ""
    return finish(
        ax, "Association with the target" + more, f"{'; '.join(used)} with {_name(y)}", "Feature"
    )


def target_association(x: pd.DataFrame, y: Any) -> pd.DataFrame:
    """Per feature: ``association``, ``measure`` (a key of :data:`MEASURES`) and a ``note``.

    Rows are sorted by absolute association, strongest first; a feature that
    cannot be measured (fewer than two distinct values where the target is
    known) has a missing association and says why in ``note``.
    """
    frame = _frame(x)
    target = pd.Series(np.asarray(y), index=frame.index)
    classes = is_classes(target)
    rows = {}
    for name in frame.columns:
        column = frame[name]
        known = column.notna() & target.notna()
        values, goal = column[known], target[known]
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        if numeric and not classes:
            measure = "pearson"
        elif numeric or not classes:
            measure = "correlation_ratio"
        else:
            measure = "cramers_v"
        if values.nunique() < 2 or goal.nunique() < 2:
            rows[name] = (np.nan, measure, "fewer than two distinct values")
            continue
        if measure == "pearson":
            value = float(np.corrcoef(values.astype(float), goal.astype(float))[0, 1])
        elif measure == "correlation_ratio":
            groups, numbers = (goal, values) if numeric else (values, goal)
            value = _correlation_ratio(groups.astype(str), numbers.astype(float))
        else:
            value = _cramers_v(values.astype(str), goal.astype(str))
        rows[name] = (value, measure, "")
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["association", "measure", "note"])
    order = np.argsort(-table["association"].abs().fillna(-1).to_numpy(), kind="stable")
    return table.iloc[order]


def plot_target_correlation(
    x: pd.DataFrame, y: Any, *, top_n: int = 20, ax: Axes | None = None
) -> Axes:
    """Deprecated: use :func:`plot_target_association`, which this now draws."""
    import warnings

    warnings.warn(
        "plot_target_correlation is deprecated; use plot_target_association",
        DeprecationWarning,
        stacklevel=2,
    )
    return plot_target_association(x, y, top_n=top_n, ax=ax)


def _correlation_ratio(groups: pd.Series, numbers: pd.Series) -> float:
    """η: the share of the numbers' spread explained by the groups, as a square root."""
    mean = numbers.mean()
    total = float(((numbers - mean) ** 2).sum())
    if total == 0:
        return 0.0
    by_group = numbers.groupby(groups.to_numpy())
    between = float((by_group.count() * (by_group.mean() - mean) ** 2).sum())
    return float(np.sqrt(between / total))


def _cramers_v(a: pd.Series, b: pd.Series) -> float:
    """Cramér's V of two categorical series (0: independent, 1: one decides the other)."""
    observed = pd.crosstab(a.to_numpy(), b.to_numpy()).to_numpy(dtype=float)
    n = observed.sum()
    expected = observed.sum(axis=1, keepdims=True) * observed.sum(axis=0, keepdims=True) / n
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * (min(observed.shape) - 1))))


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
