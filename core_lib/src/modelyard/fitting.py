"""Fitting an estimator, with its own errors turned into one line a user can act on.

scikit-learn reports bad training data (a string in a numeric column, a single
class, a column of nothing but NaN) as a ``ValueError`` raised deep inside a
pipeline. :func:`fit_estimator` reports it as a
:class:`~modelyard.exceptions.FitError` that names the pipeline step that
refused the data and, where the message or the data says it, the column. The
original exception stays chained to it (``modelyard --debug`` prints both).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from pandas.api.types import is_numeric_dtype

from modelyard.exceptions import FitError

_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def fit_estimator(estimator: Any, x: Any, y: Any) -> Any:
    """``estimator.fit(x, y)``, with its ``ValueError`` or ``TypeError`` as a ``FitError``.

    The error becomes a :class:`~modelyard.exceptions.FitError`.

    Returns what ``fit`` returns (the estimator, by scikit-learn's convention).
    """
    with estimator_errors(estimator, x):
        return estimator.fit(x, y)


@contextmanager
def estimator_errors(estimator: Any, x: Any, action: str = "fitted") -> Iterator[None]:
    """Report an estimator's ``ValueError`` or ``TypeError`` on ``x`` as a ``FitError``.

    The error raised is a :class:`~modelyard.exceptions.FitError`.

    ``action`` says what was being done when it failed (``"fitted"``, ``"measured"``).
    """
    try:
        yield
    except (ValueError, TypeError) as error:
        raise FitError(describe_fit_error(estimator, x, error, action)) from error


def describe_fit_error(estimator: Any, x: Any, error: BaseException, action: str = "fitted") -> str:
    """One line: which step refused the data, the first line of its reason, and the column."""
    step = _failing_step(estimator, error.__traceback__)
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0].rstrip(". ")
    columns = _columns_named(reason, x)
    where = f" (column {', '.join(repr(c) for c in columns)})" if columns else ""
    return (
        f"{step} could not be {action}: {reason}{where}. Fix the training data or the "
        "estimator; `modelyard --debug` shows the full traceback"
    )


def _failing_step(estimator: Any, trace: TracebackType | None) -> str:
    """The deepest named part of ``estimator`` whose own code was running when it failed."""
    named = {id(estimator): type(estimator).__name__}
    if hasattr(estimator, "get_params"):
        try:
            parts = estimator.get_params(deep=True)
        except Exception:
            parts = {}
        for key, value in parts.items():
            if hasattr(value, "fit"):
                named[id(value)] = f"step '{key}' ({type(value).__name__})"
    found = named[id(estimator)]
    while trace is not None:
        owner = trace.tb_frame.f_locals.get("self")
        if owner is not None and id(owner) in named:
            found = named[id(owner)]
        trace = trace.tb_next
    return found


def _columns_named(reason: str, x: Any) -> list[str]:
    """Columns of ``x`` that ``reason`` names, or that hold the value it quotes."""
    columns = [str(c) for c in getattr(x, "columns", [])]
    if not columns:
        return []
    quoted = [a or b for a, b in _QUOTED.findall(reason)]
    named = [c for c in columns if c in quoted]
    if named:
        return named
    holding = []
    for value in quoted:
        for column in columns:
            series = x[column]
            if not is_numeric_dtype(series) and (series.astype(str) == value).any():
                holding.append(column)
    if holding:
        return sorted(set(holding), key=columns.index)
    if "NaN" in reason:
        return [c for c in columns if x[c].isna().all()]
    return []


def estimator_label(estimator: Any) -> str:
    """A short name that tells estimators apart: the class, and inside a pipeline its model.

    ``Pipeline(... HistGradientBoostingRegressor)`` for a pipeline whose last step
    is one, ``TransformedTargetRegressor(Ridge)`` for a wrapper of one estimator,
    else the class name; what run records and model cards show in listings.
    """
    name = type(estimator).__name__
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list) and steps and isinstance(steps[-1], tuple):
        final = steps[-1][-1]
        if final is None or isinstance(final, str):  # "passthrough" as the last step
            return name
        return f"{name}({'... ' if len(steps) > 1 else ''}{estimator_label(final)})"
    for attribute in ("regressor", "estimator"):
        inner = getattr(estimator, attribute, None)
        # A forest's `estimator` is its tree: the forest's own name says it already.
        tree = type(inner).__module__.startswith("sklearn.tree")
        if inner is not None and callable(getattr(inner, "fit", None)) and not tree:
            return f"{name}({estimator_label(inner)})"
    return name
