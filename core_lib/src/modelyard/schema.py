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

#: The kinds a feature can have; they are JSON Schema type names.
KINDS = ("integer", "number", "boolean", "string")
_NUMERIC_KINDS = frozenset({"integer", "number", "boolean"})


def _kind_of(dtype: Any) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    return "string"


@dataclass(frozen=True)
class Feature:
    """One input column: its name and its kind (one of :data:`KINDS`)."""

    name: str
    kind: str

    @property
    def is_numeric(self) -> bool:
        """Whether the feature takes numbers (booleans count as numbers)."""
        return self.kind in _NUMERIC_KINDS


@dataclass(frozen=True)
class FeatureSchema:
    """The ordered input columns of a trained model."""

    features: tuple[Feature, ...]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> FeatureSchema:
        """Learn the schema of a training frame."""
        return cls(tuple(Feature(str(name), _kind_of(frame[name].dtype)) for name in frame.columns))

    @classmethod
    def from_dict(cls, data: Sequence[Mapping[str, str]]) -> FeatureSchema:
        """Read a schema written by :meth:`to_dict`."""
        return cls(tuple(Feature(item["name"], item["kind"]) for item in data))

    def to_dict(self) -> list[dict[str, str]]:
        """A JSON-ready list of ``{"name": ..., "kind": ...}``."""
        return [{"name": f.name, "kind": f.kind} for f in self.features]

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
        frame = frame[self.names]
        self._check_kinds(frame)
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
            if f.is_numeric and _kind_of(frame[f.name].dtype) == "string"
        ]
        if wrong:
            raise SchemaError("X has wrongly typed columns: " + "; ".join(wrong))


def _count(items: Sequence[str], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _quoted(names: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
