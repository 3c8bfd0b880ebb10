"""Drift: compact reference sketches of the training data, and comparing new data with them.

At training, every feature is reduced to a :class:`FeatureSketch`: for a number,
the interior quantile edges of at most :data:`MAX_BINS` bins and the share of
training rows in each bin; for a category, the share of each of the (at most
:data:`MAX_CATEGORIES`) most common values plus one "other" bin; and the missing
rate. The model's own predictions get a sketch too. The sketches travel in the
model card (:class:`ReferenceProfile`, a few KB per feature, no raw rows), so
monitoring never needs the training data.

Monitoring then only *counts*: :meth:`FeatureSketch.counts` puts new values into
the reference bins (a binary search into the edges, or a dictionary look-up),
counts can be added up chunk by chunk or request by request, and :func:`compare`
turns the counts into a population stability index, a chi-square test and a
verdict under :class:`DriftThresholds`.

This module imports only numpy, pandas and modelyard's exceptions (scipy's
special functions are loaded on the first test), so the server and the batch
command can use it without loading anything else.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from modelyard.exceptions import ModelyardError

#: The two kinds of sketch; quantile bins for numbers (integers and booleans
#: included) and value shares for everything else.
SKETCH_KINDS = ("number", "category")
#: Most bins a number's sketch may have.
MAX_BINS = 20
#: Most values a category's sketch keeps by name; the rest share one "other" bin.
MAX_CATEGORIES = 100
#: Most training rows a profile is sketched from; a larger table is sketched from a
#: seeded random sample of this many rows. Quantile edges and shares of 20,000 rows are
#: within about 0.3 percentage points of the full table's, far below what a drift
#: threshold resolves, and sketching stays a few milliseconds per feature however
#: large the training data (``n`` records the rows actually sketched, so the test
#: treats the reference as the sample it is).
SKETCH_ROWS = 20_000
#: The label of the bin that holds every value beyond the named categories.
OTHER = "(other)"
#: The sketch of the model's predictions is stored under this name.
PREDICTION = "prediction"
#: The verdicts of one comparison, from best to worst ("too_few_rows" is no judgement).
VERDICTS = ("ok", "warn", "drift", "too_few_rows")
#: Shares below this are raised to it before the PSI's logarithm (an empty bin
#: would otherwise make the index infinite).
PSI_EPSILON = 1e-4
_SEVERITY = {"too_few_rows": 0, "ok": 1, "warn": 2, "drift": 3}
# The schema's numeric kinds; everything else is sketched as a category.
_NUMBER_KINDS = frozenset({"integer", "number", "boolean"})


def _as_series(values: Any) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    return pd.Series(np.asarray(values, dtype=object) if np.ndim(values) == 0 else values)


def _is_number_column(column: pd.Series) -> bool:
    return bool(
        pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype)
    )


def _numbers(column: pd.Series) -> np.ndarray:
    """A column as float64 with NaN for missing values (booleans as 0/1)."""
    if pd.api.types.is_bool_dtype(column.dtype) and column.dtype != object:
        return column.astype("float64").to_numpy()
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


@dataclass(frozen=True)
class FeatureSketch:
    """The reference distribution of one feature (or of the predictions), without raw rows.

    Attributes:
        name: the feature's name (:data:`PREDICTION` for the predictions).
        kind: ``"number"`` or ``"category"``.
        edges: a number's sorted, distinct interior bin edges; the bins are
            ``(-inf, e0], (e0, e1], ..., (ek, +inf)``. Empty for a category.
        categories: a category's named values, most common first; every other
            value falls into one extra "other" bin. Empty for a number.
        shares: the reference share of non-missing rows in each bin (summing to 1,
            or all zero when every reference value was missing).
        missing: the reference missing rate.
        n: how many rows were sketched (missing ones included).
    """

    name: str
    kind: str
    edges: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()
    shares: tuple[float, ...] = ()
    missing: float = 0.0
    n: int = 0

    def __post_init__(self) -> None:
        if self.kind not in SKETCH_KINDS:
            raise ModelyardError(
                f"the sketch of '{self.name}' has kind {self.kind!r}; "
                f"the kinds are {', '.join(SKETCH_KINDS)}"
            )
        if len(self.shares) != self.n_bins:
            raise ModelyardError(
                f"the sketch of '{self.name}' has {len(self.shares)} shares for "
                f"{self.n_bins} bins; train and save the model again"
            )
        # Looking values up is the hot path: build the lookup once.
        object.__setattr__(self, "_edges", np.asarray(self.edges, dtype=np.float64))
        object.__setattr__(self, "_index", pd.Index(self.categories, dtype=object))
        object.__setattr__(self, "_lookup", {value: i for i, value in enumerate(self.categories)})

    @property
    def n_bins(self) -> int:
        """How many bins the sketch has (a category's "other" bin included; missing excluded)."""
        if self.kind == "number":
            return len(self.edges) + 1
        return len(self.categories) + 1

    @property
    def labels(self) -> list[str]:
        """A short label per bin, for tables and plots."""
        if self.kind == "category":
            return [*self.categories, OTHER]
        if not self.edges:
            return ["all"]
        shown = [f"{edge:.4g}" for edge in self.edges]
        return [f"≤{shown[0]}", *(f"≤{e}" for e in shown[1:]), f">{shown[-1]}"]

    def _number_counts(self, numbers: np.ndarray) -> np.ndarray:
        result = np.zeros(self.n_bins + 1, dtype=np.int64)
        # Text that is not a number counts as missing: it cannot be placed in a bin.
        unplaced = np.isnan(numbers)
        result[-1] = int(unplaced.sum())
        index = np.searchsorted(self._edges, numbers[~unplaced], side="left")  # type: ignore[attr-defined]
        result[:-1] = np.bincount(index, minlength=self.n_bins)
        return result

    def counts(self, values: Any) -> np.ndarray:
        """How many of ``values`` fall into each bin; the last slot counts missing values.

        Returns:
            An int64 array of length :attr:`n_bins` + 1. Counts of several batches
            add up to the counts of all their rows.
        """
        if self.kind == "number" and isinstance(values, np.ndarray) and values.dtype.kind == "f":
            return self._number_counts(values.astype(np.float64, copy=False))  # no pandas
        column = _as_series(values)
        if self.kind == "number":
            return self._number_counts(_numbers(column))
        result = np.zeros(self.n_bins + 1, dtype=np.int64)
        missing = column.isna().to_numpy()
        result[-1] = int(missing.sum())
        present = column[~missing].to_numpy(dtype=object)
        codes = self._index.get_indexer(present)  # type: ignore[attr-defined]
        unmatched = codes < 0
        if unmatched.any():
            # Categories are kept as text: a value read as a number (1 for "1") gets a
            # second look-up as text; only the few values not found pay for it.
            as_text = np.array([str(value) for value in present[unmatched]], dtype=object)
            codes[unmatched] = self._index.get_indexer(as_text)  # type: ignore[attr-defined]
        codes = np.where(codes < 0, self.n_bins - 1, codes)
        result[:-1] = np.bincount(codes, minlength=self.n_bins)
        return result

    def bin_index(self, value: Any) -> int:
        """The slot of one value in :meth:`counts` (``n_bins`` for a missing value).

        The per-request path of a server: a binary search or a dictionary look-up
        on one plain value, with no array or frame made.
        """
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.n_bins
        if self.kind == "number":
            try:
                number = float(value)
            except (TypeError, ValueError):
                return self.n_bins  # not a number: counted as missing, as in counts()
            if math.isnan(number):
                return self.n_bins
            return bisect.bisect_left(self.edges, number)
        lookup: dict[str, int] = self._lookup  # type: ignore[attr-defined]
        return lookup.get(value if isinstance(value, str) else str(value), self.n_bins - 1)

    def reference_counts(self) -> np.ndarray:
        """The reference shares as (fractional) counts of the sketched non-missing rows."""
        present = self.n * (1.0 - self.missing)
        return np.asarray(self.shares, dtype=np.float64) * present

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description; :meth:`from_dict` reads it back equal."""
        item: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.kind == "number":
            item["edges"] = [float(edge) for edge in self.edges]
        else:
            item["categories"] = list(self.categories)
        item["shares"] = [float(share) for share in self.shares]
        item["missing"] = float(self.missing)
        item["n"] = int(self.n)
        return item

    @classmethod
    def from_dict(cls, item: Mapping[str, Any]) -> FeatureSketch:
        """Read a sketch written by :meth:`to_dict`.

        Raises:
            ModelyardError: the description is not a valid sketch.
        """
        try:
            edges = tuple(float(edge) for edge in item.get("edges", ()))
            if any(b <= a for a, b in itertools.pairwise(edges)):
                raise ValueError("the edges are not sorted")
            return cls(
                name=str(item["name"]),
                kind=str(item["kind"]),
                edges=edges,
                categories=tuple(str(value) for value in item.get("categories", ())),
                shares=tuple(float(share) for share in item["shares"]),
                missing=float(item.get("missing", 0.0)),
                n=int(item.get("n", 0)),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ModelyardError(
                f"the monitoring sketch {item.get('name', '?')!r} in the model card is not "
                f"valid ({error}); train and save the model again"
            ) from None


def _shares(counts: np.ndarray) -> tuple[float, ...]:
    """Shares of counts to 8 significant digits: what the card keeps, the same in memory."""
    total = counts.sum()
    if total == 0:
        return tuple(0.0 for _ in counts)
    return tuple(float(f"{float(c) / float(total):.8g}") for c in counts)


def sketch_numbers(name: str, values: Any, bins: int = 10) -> FeatureSketch:
    """The sketch of a numeric column: distinct interior quantile edges of ``bins`` bins.

    Ties collapse edges, so an integer feature with few values gets fewer bins;
    a constant column gets two (at most the value, and above it).
    """
    if not 2 <= bins <= MAX_BINS:
        raise ModelyardError(f"a sketch has 2 to {MAX_BINS} bins, not {bins}")
    column = _as_series(values)
    numbers = _numbers(column)
    finite = numbers[np.isfinite(numbers)]
    if len(finite):
        quantiles = np.quantile(finite, np.linspace(0.0, 1.0, bins + 1)[1:-1])
        edges = tuple(float(edge) for edge in np.unique(quantiles))
    else:
        edges = ()
    sketch = FeatureSketch(name, "number", edges=edges, shares=(0.0,) * (len(edges) + 1))
    counts = sketch.counts(numbers)
    return FeatureSketch(
        name,
        "number",
        edges=edges,
        shares=_shares(counts[:-1]),
        missing=float(counts[-1]) / len(numbers) if len(numbers) else 0.0,
        n=len(numbers),
    )


def sketch_categories(name: str, values: Any) -> FeatureSketch:
    """The sketch of a categorical column: the shares of its most common values (as text)."""
    column = _as_series(values)
    missing = column.isna()
    present = column[~missing].map(str)
    frequency = present.value_counts(sort=False)
    # Most common first; ties in name order, so equal data gives an equal sketch.
    ordered = sorted(frequency.items(), key=lambda item: (-int(item[1]), item[0]))
    categories = tuple(str(value) for value, _ in ordered[:MAX_CATEGORIES])
    counts = np.array(
        [int(count) for _, count in ordered[:MAX_CATEGORIES]]
        + [sum(int(count) for _, count in ordered[MAX_CATEGORIES:])],
        dtype=np.int64,
    )
    return FeatureSketch(
        name,
        "category",
        categories=categories,
        shares=_shares(counts),
        missing=float(missing.sum()) / len(column) if len(column) else 0.0,
        n=len(column),
    )


def sketch_kind(schema_kind: str) -> str:
    """The sketch kind of a data-contract kind (:data:`modelyard.schema.KINDS`)."""
    return "number" if schema_kind in _NUMBER_KINDS else "category"


def sketch_frame(
    X: pd.DataFrame,
    kinds: Mapping[str, str] | None = None,
    bins: int = 10,
    *,
    max_rows: int | None = SKETCH_ROWS,
) -> dict[str, FeatureSketch]:
    """The sketch of every column of a frame, keyed by column name.

    Args:
        X: the training features.
        kinds: ``{column: kind}`` with sketch kinds (``number``/``category``) or the
            data contract's kinds (``integer``, ``boolean``...); a column not named
            is sketched by its dtype.
        bins: the number of quantile bins for numbers (at most :data:`MAX_BINS`).
        max_rows: sketch a seeded random sample of this many rows of a larger
            frame (:data:`SKETCH_ROWS`); None sketches every row.
    """
    X = sample_rows(X, max_rows)
    kinds = kinds or {}
    sketches: dict[str, FeatureSketch] = {}
    for column_name in X.columns:
        name = str(column_name)
        column = X[column_name]
        kind = kinds.get(name)
        kind = sketch_kind(kind) if kind is not None and kind not in SKETCH_KINDS else kind
        if kind is None:
            kind = "number" if _is_number_column(column) else "category"
        sketches[name] = (
            sketch_numbers(name, column, bins)
            if kind == "number"
            else sketch_categories(name, column)
        )
    return sketches


def sample_rows(X: pd.DataFrame, max_rows: int | None = SKETCH_ROWS) -> pd.DataFrame:
    """``X`` itself, or a seeded random sample of ``max_rows`` of its rows (in their order)."""
    if max_rows is None or len(X) <= max_rows:
        return X
    chosen = np.sort(np.random.default_rng(0).choice(len(X), size=max_rows, replace=False))
    return X.iloc[chosen]


def sketch_predictions(y_pred: Any, task: str, bins: int = 10) -> FeatureSketch:
    """The sketch of a model's predictions: class shares, or a regressor's quantile bins."""
    if task == "classification":
        return sketch_categories(PREDICTION, y_pred)
    return sketch_numbers(PREDICTION, y_pred, bins)


@dataclass(frozen=True)
class ReferenceProfile:
    """Every feature's sketch and the predictions' sketch: what the model card carries.

    Attributes:
        features: one sketch per feature, in training column order.
        prediction: the sketch of the model's predictions, or None.
        prediction_source: where the sketched predictions came from: ``"holdout"``
            (held-out rows of the last scoring run) or ``"in-sample"`` (the
            training rows, which flatters a model that overfits).
    """

    features: dict[str, FeatureSketch]
    prediction: FeatureSketch | None = None
    prediction_source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON-ready data (stored as the card's ``monitoring`` field)."""
        return {
            "features": [sketch.to_dict() for sketch in self.features.values()],
            "prediction": self.prediction.to_dict() if self.prediction is not None else None,
            "prediction_source": self.prediction_source,
        }

    def table(self) -> str:
        """The sketches as a plain-text table, one line per feature and one for the predictions."""
        header = ("feature", "kind", "bins", "missing", "rows", "largest bins")
        sketches = [*self.features.values(), *([self.prediction] if self.prediction else [])]
        lines = []
        for sketch in sketches:
            top = sorted(zip(sketch.shares, sketch.labels, strict=True), reverse=True)[:3]
            lines.append(
                (
                    sketch.name,
                    sketch.kind,
                    str(sketch.n_bins),
                    f"{sketch.missing:.1%}",
                    str(sketch.n),
                    ", ".join(f"{label} {share:.0%}" for share, label in top if share),
                )
            )
        widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
        text = "\n".join(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in [header, *lines]
        )
        return text + f"\npredictions sketched from: {self.prediction_source or '-'}"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReferenceProfile:
        """Read a profile written by :meth:`to_dict`.

        Raises:
            ModelyardError: a sketch in it is not valid.
        """
        sketches = [FeatureSketch.from_dict(item) for item in data.get("features", [])]
        prediction = data.get("prediction")
        return cls(
            features={sketch.name: sketch for sketch in sketches},
            prediction=FeatureSketch.from_dict(prediction) if prediction else None,
            prediction_source=data.get("prediction_source"),
        )


def training_profile(
    X: pd.DataFrame,
    kinds: Mapping[str, str] | None,
    task: str,
    predict: Any,
    held_out: Any = None,
    held_out_source: str = "holdout",
) -> ReferenceProfile:
    """The profile a model card carries: every training column's sketch and the predictions'.

    Args:
        X: the training features.
        kinds: the data contract's kind of each column.
        task: ``"classification"`` or ``"regression"``.
        predict: the fitted estimator's ``predict``, used on the sketched rows of
            ``X`` only when there are no held-out predictions.
        held_out: the predictions of the last scoring run on rows the model was not
            fitted on, or None.
        held_out_source: what ``held_out`` is: ``"holdout"`` or ``"cross-validation"``.
    """
    sample = sample_rows(X)
    if held_out is not None and len(held_out):
        predicted, source = np.asarray(held_out), held_out_source
    else:
        # In-sample predictions look better than production's for an overfitted model;
        # the card says so in prediction_source.
        try:
            predicted, source = predict(sample), "in-sample"
        except Exception as error:  # the features are still worth watching
            predicted, source = None, f"unavailable ({type(error).__name__} on predict)"
    prediction = (
        None
        if predicted is None
        else sketch_predictions(sample_rows(pd.DataFrame({"p": predicted}))["p"], task)
    )
    return ReferenceProfile(sketch_frame(sample, kinds, max_rows=None), prediction, source)


@dataclass(frozen=True)
class DriftThresholds:
    """When a difference from the reference is called a warning or drift.

    The defaults, and why:

    - ``psi_warn = 0.1`` and ``psi_drift = 0.25``: the population stability
      index's long-standing convention in credit scoring (below 0.1 no
      significant change, 0.1 to 0.25 a moderate change worth a look, 0.25 and
      above a major shift). It measures *how much* the distribution moved,
      whatever the number of rows.
    - ``p_value = 0.01``: the chi-square test tells a real change from sampling
      noise. Both must agree: with few rows the PSI of unchanged data is
      inflated by noise (the test is then not significant), and with millions of
      rows the test flags shifts too small to matter (the PSI then stays low).
      1 % rather than 5 % because a report tests every feature at once: with 25
      unchanged features, 5 % would raise a false alarm in most reports.
    - ``min_rows = 100``: with fewer current rows than this no verdict is given
      (``too_few_rows``); ten-bin shares from fewer rows are mostly noise.
    - ``missing_increase = 0.1``: a missing rate that rose by 10 percentage points
      or more is drift on its own, whatever the present values look like (an
      upstream join or field that broke).

    Attributes:
        psi_warn: PSI from which a significant change is a warning.
        psi_drift: PSI from which a significant change is drift.
        p_value: significance level of the chi-square test.
        min_rows: fewest current rows for a verdict.
        missing_increase: rise of the missing rate (as a fraction) that is drift.
    """

    psi_warn: float = 0.1
    psi_drift: float = 0.25
    p_value: float = 0.01
    min_rows: int = 100
    missing_increase: float = 0.1

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> DriftThresholds:
        """Thresholds from a ``[tool.modelyard.monitoring]`` table (other keys are ignored)."""
        names = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in table.items() if key in names})

    def to_dict(self) -> dict[str, Any]:
        """The thresholds as JSON-ready data."""
        return asdict(self)

    def __post_init__(self) -> None:
        if not 0 <= self.psi_warn <= self.psi_drift:
            raise ModelyardError(
                f"psi_warn ({self.psi_warn}) must be between 0 and psi_drift ({self.psi_drift})"
            )
        if not 0 < self.p_value < 1:
            raise ModelyardError(f"p_value must be between 0 and 1, not {self.p_value}")
        if self.min_rows < 1:
            raise ModelyardError(f"min_rows must be at least 1, not {self.min_rows}")
        if not 0 < self.missing_increase <= 1:
            raise ModelyardError(
                f"missing_increase must be a fraction above 0 and at most 1, "
                f"not {self.missing_increase}"
            )


@dataclass(frozen=True)
class FeatureDrift:
    """One feature's (or the predictions') comparison with its reference sketch.

    Attributes:
        name: the feature's name.
        kind: ``"number"`` or ``"category"``.
        rows: current rows counted (missing ones included).
        psi: population stability index over the bins (None without rows to compare).
        p_value: the chi-square test's p-value (None without rows to compare).
        statistic: the chi-square statistic.
        missing_reference: the reference missing rate.
        missing_current: the current missing rate.
        verdict: one of :data:`VERDICTS`.
        reasons: why the verdict is not ``ok``, in words.
        labels: the bin labels.
        reference_shares: the reference share per bin.
        current_shares: the current share per bin (non-missing rows).
    """

    name: str
    kind: str
    rows: int
    psi: float | None
    p_value: float | None
    statistic: float | None
    missing_reference: float
    missing_current: float
    verdict: str
    reasons: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    reference_shares: tuple[float, ...] = ()
    current_shares: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The comparison as JSON-ready data."""
        return {
            "name": self.name,
            "kind": self.kind,
            "rows": self.rows,
            "psi": _rounded(self.psi),
            "p_value": _rounded(self.p_value, 8),
            "statistic": _rounded(self.statistic),
            "missing_reference": _rounded(self.missing_reference),
            "missing_current": _rounded(self.missing_current),
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "bins": [
                {"label": label, "reference": _rounded(ref), "current": _rounded(cur)}
                for label, ref, cur in zip(
                    self.labels, self.reference_shares, self.current_shares, strict=True
                )
            ],
        }


def _rounded(value: float | None, digits: int = 6) -> float | None:
    if value is None or not math.isfinite(value):
        return None if value is None else float(value)
    return round(float(value), digits)


def psi(reference: np.ndarray, current: np.ndarray, epsilon: float = PSI_EPSILON) -> float:
    """The population stability index of two share vectors over the same bins.

    ``sum((current - reference) * ln(current / reference))``, with every share
    raised to at least ``epsilon`` so that an empty bin counts as a large, finite
    change. 0 for equal shares.
    """
    ref = np.maximum(np.asarray(reference, dtype=np.float64), epsilon)
    cur = np.maximum(np.asarray(current, dtype=np.float64), epsilon)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def chi_square(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """The chi-square test of homogeneity of two count vectors over the same bins.

    Returns ``(statistic, p_value)``. Bins empty in both are left out; with fewer
    than two bins left there is nothing to test (statistic 0, p-value 1).
    """
    table = np.vstack([np.asarray(reference, np.float64), np.asarray(current, np.float64)])
    table = table[:, table.sum(axis=0) > 0]
    rows = table.sum(axis=1)
    if table.shape[1] < 2 or (rows <= 0).any():
        return 0.0, 1.0
    expected = np.outer(rows, table.sum(axis=0)) / table.sum()
    statistic = float(((table - expected) ** 2 / expected).sum())
    from scipy.special import chdtrc  # scipy loads on the first test only

    return statistic, float(chdtrc(table.shape[1] - 1, statistic))


def compare(sketch: FeatureSketch, counts: np.ndarray, thresholds: DriftThresholds) -> FeatureDrift:
    """Compare counts of current values (:meth:`FeatureSketch.counts`) with the reference.

    The test is the chi-square test of homogeneity on the sketch's bins, for
    numbers as for categories. For numbers it was chosen over a binned
    Kolmogorov-Smirnov test: the KS distribution assumes continuous data, so on
    ten bins its p-values are conservative and miss shifts inside the tails,
    while the chi-square test's assumptions hold exactly for counts in bins.
    It compares two samples (the reference counts are its shares times its
    rows), so a small reference is not taken as exact.

    The verdict, under ``thresholds``:

    - ``too_few_rows``: fewer than ``min_rows`` current rows;
    - ``drift``: the missing rate rose by ``missing_increase`` or more, or the
      test is significant and the PSI is at least ``psi_drift``;
    - ``warn``: the test is significant and the PSI is at least ``psi_warn``;
    - ``ok`` otherwise.
    """
    counts = np.asarray(counts, dtype=np.int64)
    if counts.shape != (sketch.n_bins + 1,):
        raise ModelyardError(
            f"'{sketch.name}' has {sketch.n_bins} bins and a missing slot; got {len(counts)} counts"
        )
    rows = int(counts.sum())
    present = counts[:-1]
    missing_current = float(counts[-1]) / rows if rows else 0.0
    reference = np.asarray(sketch.shares, dtype=np.float64)
    current = present / present.sum() if present.sum() else np.zeros_like(reference)
    value: float | None = None
    p_value: float | None = None
    statistic: float | None = None
    if present.sum() and reference.sum():
        value = psi(reference, current)
        statistic, p_value = chi_square(sketch.reference_counts(), present)
    reasons: list[str] = []
    if rows < thresholds.min_rows:
        verdict = "too_few_rows"
        reasons.append(f"{rows} rows; a verdict needs {thresholds.min_rows}")
    else:
        verdict = "ok"
        if missing_current - sketch.missing >= thresholds.missing_increase:
            verdict = "drift"
            reasons.append(
                f"missing rate {missing_current:.1%} against {sketch.missing:.1%} in training"
            )
        if value is not None and p_value is not None and p_value < thresholds.p_value:
            if value >= thresholds.psi_drift:
                verdict = "drift"
                reasons.append(f"PSI {value:.3f} ≥ {thresholds.psi_drift}")
            elif value >= thresholds.psi_warn:
                verdict = "warn" if verdict == "ok" else verdict
                reasons.append(f"PSI {value:.3f} ≥ {thresholds.psi_warn}")
    return FeatureDrift(
        name=sketch.name,
        kind=sketch.kind,
        rows=rows,
        psi=value,
        p_value=p_value,
        statistic=statistic,
        missing_reference=sketch.missing,
        missing_current=missing_current,
        verdict=verdict,
        reasons=tuple(reasons),
        labels=tuple(sketch.labels),
        reference_shares=tuple(float(s) for s in reference),
        current_shares=tuple(float(s) for s in current),
    )


def worst(verdicts: Any) -> str:
    """The most severe of several verdicts (``too_few_rows`` only when all are)."""
    found = list(verdicts)
    if not found:
        return "too_few_rows"
    return max(found, key=lambda verdict: _SEVERITY[verdict])


@dataclass(frozen=True)
class DriftReport:
    """Every feature's comparison, the predictions', and the overall verdict.

    Attributes:
        features: one :class:`FeatureDrift` per feature, in training column order.
        prediction: the predictions' comparison, or None when not counted.
        verdict: the most severe verdict of all of them.
        thresholds: the thresholds the verdicts were given under.
    """

    features: tuple[FeatureDrift, ...]
    prediction: FeatureDrift | None
    verdict: str
    thresholds: DriftThresholds = field(default_factory=DriftThresholds)

    @property
    def drifted(self) -> list[str]:
        """Names of the features (and ``prediction``) whose verdict is ``drift``."""
        found = [item.name for item in self.features if item.verdict == "drift"]
        if self.prediction is not None and self.prediction.verdict == "drift":
            found.append(self.prediction.name)
        return found

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "verdict": self.verdict,
            "drifted": self.drifted,
            "thresholds": self.thresholds.to_dict(),
            "features": [item.to_dict() for item in self.features],
            "prediction": self.prediction.to_dict() if self.prediction is not None else None,
        }


def compare_profile(
    profile: ReferenceProfile,
    counts_by_feature: Mapping[str, np.ndarray],
    prediction_counts: np.ndarray | None,
    thresholds: DriftThresholds,
) -> DriftReport:
    """Compare counts of every feature (and of the predictions) with a profile.

    A feature of the profile without counts is compared with no rows
    (``too_few_rows``).
    """
    features = tuple(
        compare(
            sketch,
            counts_by_feature.get(name, np.zeros(sketch.n_bins + 1, np.int64)),
            thresholds,
        )
        for name, sketch in profile.features.items()
    )
    prediction = None
    if profile.prediction is not None and prediction_counts is not None:
        prediction = compare(profile.prediction, prediction_counts, thresholds)
    verdicts = [item.verdict for item in features]
    if prediction is not None:
        verdicts.append(prediction.verdict)
    return DriftReport(features, prediction, worst(verdicts), thresholds)


class Counter:
    """Running counts of every feature of a profile (and of the predictions), batch by batch.

    ``add(frame, predictions)`` costs one :meth:`FeatureSketch.counts` per
    feature; :meth:`report` compares what was counted so far.
    """

    def __init__(self, profile: ReferenceProfile) -> None:
        self.profile = profile
        self.counts = {
            name: np.zeros(sketch.n_bins + 1, np.int64) for name, sketch in profile.features.items()
        }
        self.prediction_counts: np.ndarray | None = None

    def add(self, frame: pd.DataFrame, predictions: Any = None) -> None:
        """Count one batch of rows; a feature missing from ``frame`` counts as missing."""
        for name, sketch in self.profile.features.items():
            if name in frame.columns:
                self.counts[name] += sketch.counts(frame[name])
            else:
                self.counts[name][-1] += len(frame)
        if predictions is not None and self.profile.prediction is not None:
            counted = self.profile.prediction.counts(predictions)
            self.prediction_counts = (
                counted if self.prediction_counts is None else self.prediction_counts + counted
            )

    def report(self, thresholds: DriftThresholds) -> DriftReport:
        """The comparison of everything counted so far."""
        return compare_profile(self.profile, self.counts, self.prediction_counts, thresholds)
