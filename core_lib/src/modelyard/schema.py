"""The feature schema: which columns a model was trained on, in which order, of which kind.

The schema is learned from the training data, stored in the model card, checked
on every prediction and turned into the serving API's request model, so that a
wrong column is caught with a message naming it instead of a confusing error
from deep inside the estimator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from modelyard.exceptions import SchemaError

#: The kinds a feature can have. A category is sent as a string.
KINDS = ("integer", "number", "boolean", "category")
#: What serving does with an unseen category or a number outside the training range.
POLICIES = ("accept", "reject")
#: The quantiles recorded for a number, as fractions.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Most categories a feature's contract keeps; beyond this none are recorded and none checked.
MAX_CATEGORIES = 100
_NUMERIC_KINDS = frozenset({"integer", "number", "boolean"})
#: Kinds written by earlier releases, read as today's kinds.
_OLD_KINDS = {"string": "category"}


def _kind_of(dtype: Any) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    return "category"


@dataclass(frozen=True)
class ContractOptions:
    """What a project declares about its features in ``[tool.modelyard]``.

    Attributes:
        nullable: features that may be missing at prediction time even if
            training saw no missing value in them.
        unseen_category: ``accept`` or ``reject`` a category training never saw;
            one policy for every feature, or a mapping ``{feature: policy}``.
        out_of_range: ``accept`` or ``reject`` a number outside the training range;
            one policy, or a mapping ``{feature: policy}``.
    """

    nullable: tuple[str, ...] = ()
    unseen_category: str | Mapping[str, str] = "accept"
    out_of_range: str | Mapping[str, str] = "accept"

    def policy(self, check: str, name: str) -> str:
        """The policy (``accept`` or ``reject``) of one check for one feature."""
        value = getattr(self, check)
        if isinstance(value, Mapping):
            return str(value.get(name, "accept"))
        return str(value)


@dataclass(frozen=True)
class Feature:
    """One input column and its contract: kind, whether it may be missing, what training saw.

    Attributes:
        name: the column name.
        kind: one of :data:`KINDS`.
        nullable: whether the feature may be missing (``null`` at the API).
        categories: the values a category took in training (None when not recorded,
            as with more than :data:`MAX_CATEGORIES` values or an old model card).
        minimum, maximum: the range of a number in training (None when not recorded).
        quantiles: a number's 5, 25, 50, 75 and 95 % quantiles in training.
        unseen_category: ``accept`` or ``reject`` a category not in ``categories``.
        out_of_range: ``accept`` or ``reject`` a number outside ``minimum``..``maximum``.
    """

    name: str
    kind: str
    nullable: bool = False
    categories: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    quantiles: tuple[float, ...] | None = None
    unseen_category: str = "accept"
    out_of_range: str = "accept"

    @property
    def is_numeric(self) -> bool:
        """Whether the feature takes numbers (booleans count as numbers)."""
        return self.kind in _NUMERIC_KINDS

    @property
    def has_range(self) -> bool:
        """Whether a training range is known for this (integer or number) feature."""
        return self.minimum is not None and self.maximum is not None

    @classmethod
    def learn(cls, name: str, column: pd.Series, options: ContractOptions) -> Feature:
        """The contract of one training column."""
        kind = _kind_of(column.dtype)
        present = column.dropna()
        values: dict[str, Any] = {}
        if kind == "category":
            seen = sorted({str(v) for v in present.unique()})
            values["categories"] = tuple(seen) if len(seen) <= MAX_CATEGORIES else None
        elif kind in ("integer", "number") and len(present):
            numbers = present.to_numpy(dtype=np.float64)
            values["minimum"], values["maximum"] = float(numbers.min()), float(numbers.max())
            values["quantiles"] = tuple(float(q) for q in np.quantile(numbers, QUANTILES))
        return cls(
            name,
            kind,
            nullable=bool(column.isna().any()) or name in options.nullable,
            # Only the policy that applies to the kind is kept; the other stays the default.
            unseen_category=(
                options.policy("unseen_category", name) if kind == "category" else "accept"
            ),
            out_of_range=(
                options.policy("out_of_range", name) if kind in ("integer", "number") else "accept"
            ),
            **values,
        )

    @classmethod
    def from_dict(cls, item: Mapping[str, Any]) -> Feature:
        """Read one feature written by :meth:`to_dict` (or by an earlier release)."""
        kind = _OLD_KINDS.get(item["kind"], item["kind"])
        if kind not in KINDS:
            raise SchemaError(
                f"feature '{item['name']}' has kind {item['kind']!r}; "
                f"the kinds are {', '.join(KINDS)}"
            )
        for check in ("unseen_category", "out_of_range"):
            if item.get(check, "accept") not in POLICIES:
                raise SchemaError(
                    f"feature '{item['name']}' has {check} = {item[check]!r}; "
                    "it must be accept or reject"
                )
        categories = item.get("categories")
        quantiles = item.get("quantiles")
        return cls(
            item["name"],
            kind,
            nullable=bool(item.get("nullable", False)),
            categories=tuple(categories) if categories is not None else None,
            minimum=item.get("min"),
            maximum=item.get("max"),
            quantiles=tuple(quantiles) if quantiles is not None else None,
            unseen_category=item.get("unseen_category", "accept"),
            out_of_range=item.get("out_of_range", "accept"),
        )

    def to_dict(self) -> dict[str, Any]:
        """A compact JSON-ready description; fields with nothing recorded are left out."""
        item: dict[str, Any] = {"name": self.name, "kind": self.kind, "nullable": self.nullable}
        if self.categories is not None:
            item["categories"] = list(self.categories)
        if self.has_range:
            item["min"], item["max"] = self.minimum, self.maximum
        if self.quantiles is not None:
            item["quantiles"] = list(self.quantiles)
        if self.kind == "category":
            item["unseen_category"] = self.unseen_category
        if self.kind in ("integer", "number"):
            item["out_of_range"] = self.out_of_range
        return item

    def seen_in_training(self) -> str:
        """What training saw, in a few words: the categories, or the range and median."""
        if self.categories is not None:
            shown = ", ".join(f"'{c}'" for c in self.categories[:5])
            more = f" and {len(self.categories) - 5} more" if len(self.categories) > 5 else ""
            return f"{_count(self.categories, 'category', 'categories')}: {shown}{more}"
        if self.has_range:
            median = f", median {_number(self.quantiles[2])}" if self.quantiles else ""
            return f"{_number(self.minimum)} to {_number(self.maximum)}{median}"
        if self.kind == "boolean":
            return "true or false"
        return "not recorded"

    def policy(self) -> str:
        """The feature's policy as ``check=policy``, or an empty string for a boolean."""
        if self.kind == "category":
            return f"unseen_category={self.unseen_category}"
        if self.kind in ("integer", "number"):
            return f"out_of_range={self.out_of_range}"
        return ""


@dataclass(frozen=True)
class FeatureSchema:
    """The ordered input columns of a trained model, each with its contract."""

    features: tuple[Feature, ...]

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, options: ContractOptions | None = None
    ) -> FeatureSchema:
        """Learn the schema and contract of a training frame."""
        options = options or ContractOptions()
        return cls(tuple(Feature.learn(str(name), frame[name], options) for name in frame.columns))

    @classmethod
    def from_dict(cls, data: Sequence[Mapping[str, Any]]) -> FeatureSchema:
        """Read a schema written by :meth:`to_dict`.

        Raises:
            SchemaError: a feature has an unknown kind or policy.
        """
        return cls(tuple(Feature.from_dict(item) for item in data))

    def to_dict(self) -> list[dict[str, Any]]:
        """A JSON-ready list with one :meth:`Feature.to_dict` per feature."""
        return [f.to_dict() for f in self.features]

    def contract_table(self) -> str:
        """The contract as a plain-text table, one line per feature."""
        header = ("feature", "kind", "nullable", "seen in training", "policy")
        lines = [
            (f.name, f.kind, "yes" if f.nullable else "no", f.seen_in_training(), f.policy())
            for f in self.features
        ]
        widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
        return "\n".join(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in [header, *lines]
        )

    @property
    def names(self) -> list[str]:
        """Feature names in training order."""
        return [f.name for f in self.features]

    def __len__(self) -> int:
        return len(self.features)

    def validate(self, X: Any) -> pd.DataFrame:
        """Return ``X`` as a frame with exactly the training columns, in training order.

        ``X`` may be a DataFrame, a 2-D array in training column order, one row
        as a mapping, or a list of such mappings.

        Raises:
            SchemaError: naming the missing, unexpected or wrongly typed columns.
        """
        frame = self._as_frame(X)
        self._check_columns(frame.columns)
        frame = self._missing_as_nan(frame[self.names])
        self._check_kinds(frame)
        return frame

    def _missing_as_nan(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A numeric column given only as missing values (``None``) becomes floats, NaN."""
        empty = [
            f.name
            for f in self.features
            if f.is_numeric and frame[f.name].dtype == object and bool(frame[f.name].isna().all())
        ]
        if not empty:
            return frame
        frame = frame.copy()
        for name in empty:
            frame[name] = frame[name].astype(np.float64)
        return frame

    def _as_frame(self, X: Any) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            return X
        if isinstance(X, Mapping):
            return pd.DataFrame([X])
        if isinstance(X, np.ndarray) or (
            isinstance(X, list) and X and not isinstance(X[0], Mapping)
        ):
            array = np.asarray(X)
            if array.ndim != 2 or array.shape[1] != len(self):
                raise SchemaError(
                    f"X has shape {array.shape}; the model expects 2-D input with "
                    f"{len(self)} columns in this order: {_quoted(self.names)}"
                )
            return pd.DataFrame(array, columns=self.names)
        if isinstance(X, list):
            return pd.DataFrame(X)
        raise SchemaError(
            f"X must be a pandas DataFrame, a 2-D array or a list of rows, not {type(X).__name__}"
        )

    def _check_columns(self, columns: Iterable[Any]) -> None:
        given = [str(c) for c in columns]
        missing = [name for name in self.names if name not in set(given)]
        extra = [name for name in given if name not in set(self.names)]
        problems = []
        if missing:
            problems.append(
                f"missing {_count(missing, 'feature')} the model was trained with: "
                f"{_quoted(missing)}"
            )
        if extra:
            problems.append(f"{_count(extra, 'unexpected column')}: {_quoted(extra)}")
        if problems:
            raise SchemaError(
                "X does not match the model's features: "
                + "; ".join(problems)
                + f". The model was trained with {len(self)} features: {_quoted(self.names)}"
            )

    def _check_kinds(self, frame: pd.DataFrame) -> None:
        wrong = [
            f"'{f.name}' should be {f.kind} but is {frame[f.name].dtype}"
            for f in self.features
            if f.is_numeric and _kind_of(frame[f.name].dtype) == "category"
        ]
        if wrong:
            raise SchemaError("X has wrongly typed columns: " + "; ".join(wrong))


def _count(items: Sequence[str], noun: str, plural: str | None = None) -> str:
    return f"{len(items)} {noun if len(items) == 1 else (plural or noun + 's')}"


def _number(value: float | None) -> str:
    return f"{value:.6g}"


def _quoted(names: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
