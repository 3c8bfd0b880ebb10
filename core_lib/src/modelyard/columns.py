"""An estimator restricted to some of its input columns, whatever its pipeline does with them.

Feature selection chooses among the columns of the table, not among what a
pipeline makes of them. Giving a pipeline fewer columns is not enough when it
starts with a ``ColumnTransformer``: a transformer that names a dropped column
fails. :func:`restrict` returns an unfitted copy of the estimator that reads
only the kept columns:

* every ``ColumnTransformer`` that reads the input (the estimator itself, a
  Pipeline's first step, a ``FeatureUnion``'s parts, and such steps nested in
  them) has its column lists cut to the kept names; positions, boolean masks
  and slices are turned into names first;
* a transformer left with no columns is removed;
* ``make_column_selector`` is left as it is: it selects from what remains;
* anything else (a plain pipeline, a single estimator) is unchanged and simply
  sees fewer columns.

What cannot be reasoned about (a callable column specification other than
``make_column_selector``) is refused with a
:class:`~modelyard.exceptions.ModelyardError`, as is a restriction that leaves a
``ColumnTransformer`` nothing to read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from modelyard.evaluation import fresh
from modelyard.exceptions import ModelyardError

__all__ = ["check_columns", "restrict"]


def check_columns(columns: Sequence[str], all_columns: Sequence[str]) -> list[str]:
    """``columns`` as a list: at least one, none twice, each among ``all_columns``; else refuse."""
    chosen = [columns] if isinstance(columns, str) else list(columns)
    unknown = [str(c) for c in chosen if c not in set(all_columns)]
    if unknown:
        raise ModelyardError(
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"the data's columns are {', '.join(map(repr, map(str, all_columns)))}"
        )
    if not chosen:
        raise ModelyardError("choose at least one column")
    if len(set(chosen)) != len(chosen):
        raise ModelyardError(f"a column is named twice in {', '.join(map(repr, chosen))}")
    return chosen


def restrict(
    estimator: Any, columns: Sequence[str], all_columns: Sequence[str] | None = None
) -> Any:
    """An unfitted copy of ``estimator`` that reads only ``columns`` of its input.

    Args:
        estimator: any estimator; scikit-learn's are cloned, others deep-copied.
        columns: the input columns to keep, by name.
        all_columns: the columns ``estimator`` was built for, in order: what
            ``columns`` are checked against and what positions, masks and slices
            refer to. When None, only names are checked later (by fitting), and
            a column chosen by position is refused.

    The copy is meant to be fitted on ``X[columns]``.
    """
    if all_columns is None:
        kept = check_columns(columns, list(columns))  # at least one, none twice
    else:
        kept = check_columns(columns, all_columns)
    given = None if all_columns is None else list(all_columns)
    return _restricted(fresh(estimator), set(kept), given)


def _restricted(estimator: Any, kept: set[str], given: list[str] | None) -> Any:
    """``estimator`` (already a copy) changed in place where it reads columns; returned."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import FeatureUnion, Pipeline

    if isinstance(estimator, ColumnTransformer):
        return _restricted_transformer(estimator, kept, given)
    if isinstance(estimator, Pipeline) and estimator.steps:
        name, first = estimator.steps[0]
        if first is not None and first != "passthrough":
            estimator.set_params(**{name: _restricted(first, kept, given)})
        return estimator
    if isinstance(estimator, FeatureUnion):
        parts = [
            (name, part if part in ("drop", "passthrough") else _restricted(part, kept, given))
            for name, part in estimator.transformer_list
        ]
        estimator.set_params(transformer_list=parts)
    return estimator


def _restricted_transformer(transformer: Any, kept: set[str], given: list[str] | None) -> Any:
    """A ColumnTransformer whose column lists name only kept columns; emptied parts removed."""
    parts = []
    for name, part, spec in transformer.transformers:
        names = _names(spec, given, name)
        if names is None:  # make_column_selector: it selects from what remains
            parts.append((name, part, spec))
            continue
        left = [c for c in names if c in kept]
        if not left:
            continue
        if isinstance(spec, str | int | np.integer):
            parts.append((name, part, left[0]))  # one name: the part still gets a 1-D column
            continue
        if part not in ("drop", "passthrough") and len(left) < len(names):
            part = _restricted(part, set(left), names)
        parts.append((name, part, left))
    if not parts and transformer.remainder == "drop":
        raise ModelyardError(
            f"none of the columns {', '.join(map(repr, sorted(kept)))} is read by the "
            "ColumnTransformer; keep a column it uses"
        )
    transformer.set_params(transformers=parts)
    return transformer


def _names(spec: Any, given: list[str] | None, part: str) -> list[str] | None:
    """The column names ``spec`` selects from ``given``; None for a make_column_selector."""
    from sklearn.compose import make_column_selector

    if isinstance(spec, make_column_selector):
        return None
    if callable(spec):
        raise ModelyardError(
            f"the columns of ColumnTransformer part {part!r} are chosen by "
            f"{getattr(spec, '__name__', type(spec).__name__)}, which cannot be restricted; "
            "name the columns, or use sklearn.compose.make_column_selector"
        )
    if isinstance(spec, str):
        return [spec]
    by_position = isinstance(spec, int | np.integer | slice)
    values = [] if by_position else list(spec)
    if not by_position and all(isinstance(v, str) for v in values):
        return [str(v) for v in values]
    if given is None:
        raise ModelyardError(
            f"ColumnTransformer part {part!r} chooses columns by position; give the data's "
            "columns too (all_columns=data.x.columns) or name the columns"
        )
    if isinstance(spec, int | np.integer):
        return [given[spec]]
    if isinstance(spec, slice):
        if isinstance(spec.start, str) or isinstance(spec.stop, str):
            start = given.index(spec.start) if spec.start is not None else None
            stop = given.index(spec.stop) + 1 if spec.stop is not None else None
            return given[start:stop]
        return given[spec]
    if values and all(isinstance(v, bool | np.bool_) for v in values):
        return [c for c, chosen in zip(given, values, strict=True) if chosen]
    return [given[v] if isinstance(v, int | np.integer) else str(v) for v in values]
