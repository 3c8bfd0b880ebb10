"""Hyperparameter searches and estimator comparison, every fit scored the same way.

A search or comparison is a list of candidates (unfitted estimators), each
fitted and measured on the same folds (or the same holdout split) with
modelyard's metrics (:mod:`modelyard.metrics`), through joblib on this machine
or on a Dask cluster (:mod:`modelyard.parallel`). The fits are independent and
their results are gathered in order, so with a fixed ``random_state`` the
numbers do not depend on ``n_jobs`` or on where they ran.

Each run leaves, in the run folder, its record (kind ``"search"`` or
``"compare"``) and a table with one row per candidate: parameters, each
fold's score per metric, mean and standard deviation, and fit and score times,
as ``<run_id>-candidates.csv`` and ``.parquet``; the record names both files in
its ``options``.

Everything a user can get wrong (an empty grid, a parameter the estimator does
not have, an unknown metric, a scheduler that does not answer) is refused
before the first fit.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from modelyard.config import Settings
from modelyard.data import Dataset
from modelyard.evaluation import (
    Candidate,
    Plan,
    check_seed,
    fold_result,
    fresh,
    make_record,
    record_run,
    resolve_plan,
    run_candidates,
)
from modelyard.exceptions import ModelyardError, RunLogWarning
from modelyard.fitting import estimator_label
from modelyard.metrics import default_metrics
from modelyard.progress import Progress
from modelyard.result import LOWER_IS_BETTER, Result, ResultGroup
from modelyard.runlog import utc_now

if TYPE_CHECKING:
    from modelyard.model import Model

#: Folds a search uses when neither the call nor the ``cv`` setting gives some.
DEFAULT_SEARCH_FOLDS = 5


@dataclass(frozen=True)
class SearchResult:
    """What a search found; unpacks as ``best_model, results = model.gridsearch(...)``.

    Attributes:
        best_model: a new :class:`~modelyard.model.Model` with the best
            candidate's parameters, refitted on all the data.
        results: one :class:`~modelyard.result.Result` per candidate, best first
            by the first metric.
        table: one row per candidate, best first: ``param_*`` columns, each
            fold's score (``split0_<metric>``, ...), ``mean_*`` and ``std_*`` per
            metric, and fit and score times in seconds.
        best_params: the parameters of the best candidate.
        run_record: the search's run record, if it was written.
    """

    best_model: Model
    results: ResultGroup
    table: pd.DataFrame
    best_params: dict[str, Any]
    run_record: Path | None

    def __iter__(self) -> Iterator[Any]:
        yield self.best_model
        yield self.results


def grid_search(
    model: Model, data: Dataset, param_grid: Mapping[str, Sequence[Any]] | Sequence[Mapping], **how
) -> SearchResult:
    """Try every combination of ``param_grid``; see :meth:`modelyard.model.Model.gridsearch`."""
    from sklearn.model_selection import ParameterGrid

    grids = _grid_list(param_grid)
    _check_param_names(model.estimator, [name for grid in grids for name in grid])
    for grid in grids:
        for name, values in grid.items():
            if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray):
                raise ModelyardError(
                    f"param_grid[{name!r}] must be a list of values to try, not {values!r}"
                )
            if len(values) == 0:
                raise ModelyardError(f"param_grid[{name!r}] is an empty list; give values to try")
    combos = list(ParameterGrid(grids))
    return _search(model, data, combos, kind="grid", space=param_grid, **how)


def random_search(
    model: Model,
    data: Dataset,
    param_distributions: Mapping[str, Any],
    *,
    n_iter: int = 10,
    **how: Any,
) -> SearchResult:
    """Try ``n_iter`` samples; see :meth:`modelyard.model.Model.randomsearch`."""
    from sklearn.model_selection import ParameterSampler

    spaces = _grid_list(param_distributions)
    _check_param_names(model.estimator, [name for space in spaces for name in space])
    for space in spaces:
        for name, values in space.items():
            if callable(getattr(values, "rvs", None)):
                continue
            if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray):
                raise ModelyardError(
                    f"param_distributions[{name!r}] must be a list of values or a "
                    f"scipy.stats distribution, not {values!r}"
                )
            if len(values) == 0:
                raise ModelyardError(f"param_distributions[{name!r}] is an empty list")
    if isinstance(n_iter, bool) or not isinstance(n_iter, int) or n_iter < 1:
        raise ModelyardError(f"n_iter must be a whole number of at least 1, not {n_iter!r}")
    settings = how.pop("settings", None) or Settings()
    seed = how.get("random_state")
    how["random_state"] = settings.random_state if seed is None else check_seed(seed)
    with warnings.catch_warnings():
        # A grid smaller than n_iter is tried whole; saying so is for the docs, not a warning.
        warnings.simplefilter("ignore", UserWarning)
        combos = list(ParameterSampler(spaces, n_iter=n_iter, random_state=how["random_state"]))
    return _search(
        model,
        data,
        combos,
        kind="random",
        space=param_distributions,
        n_iter=n_iter,
        settings=settings,
        **how,
    )


def compare(
    data: Dataset,
    estimators: Iterable[Any] | Mapping[str, Any],
    *,
    cv: int | None = None,
    metrics: Sequence[str] | None = None,
    random_state: int | None = None,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    run_dir: Path | str | None = None,
    settings: Settings | None = None,
    quiet: bool = False,
) -> ResultGroup:
    """Score several estimators on the same folds; see :meth:`modelyard.model.Model.compare`.

    Unset arguments come from ``settings`` (plain data the caller resolved),
    else from :class:`~modelyard.config.Settings`' defaults; nothing is read
    from ``pyproject.toml`` here. Progress is shown unless ``quiet``.
    """
    from modelyard.model import Model

    named = _named(estimators)
    tasks = {Model(estimator, task=task).task for _, estimator, task in named}
    if len(tasks) != 1:
        raise ModelyardError(
            "compare needs estimators of one task; got classifiers and regressors together"
        )
    task = tasks.pop()
    settings = settings or Settings()
    plan = _plan(
        settings,
        data,
        task,
        cv=cv,
        metrics=metrics,
        random_state=random_state,
        n_jobs=n_jobs,
        scheduler=scheduler,
        default_cv=settings.cv,
    )
    candidates = [Candidate(label, fresh(estimator), {}) for label, estimator, _ in named]
    started = utc_now()
    results, table, _ = _run(candidates, data, plan, task, progress="compare", quiet=quiet)
    group = ResultGroup(results)
    _log(
        "compare",
        started,
        settings,
        run_dir,
        data,
        model_name=settings.name or "compare",
        estimator=", ".join(label for label, _, _ in named),
        params={},
        best=group.best,
        table=table,
        options={"estimators": [label for label, _, _ in named]},
        plan=plan,
    )
    return group


def _check_param_names(estimator: Any, names: list[str]) -> None:
    get_params = getattr(estimator, "get_params", None)
    if not callable(get_params):
        raise ModelyardError(
            f"{type(estimator).__name__} has no get_params, so it cannot be searched; "
            "searches take scikit-learn estimators and pipelines"
        )
    valid = sorted(get_params(deep=True))
    unknown = sorted({name for name in names if name not in valid})
    if unknown:
        raise ModelyardError(
            f"{type(estimator).__name__} has no parameter {', '.join(map(repr, unknown))}; "
            f"valid names: {', '.join(valid)}"
        )


def _grid_list(space: Any) -> list[dict[str, Any]]:
    grids = [space] if isinstance(space, Mapping) else space
    if not isinstance(grids, Sequence) or isinstance(grids, str):
        raise ModelyardError(
            f"the search space must be a dict of parameter name to values, not {space!r}"
        )
    grids = [dict(grid) for grid in grids]
    if not grids or not all(grids):
        raise ModelyardError(
            "the search space is empty; give at least one parameter and values, "
            "e.g. {'C': [0.1, 1, 10]}"
        )
    return grids


def _search(
    model: Model,
    data: Dataset,
    combos: list[dict[str, Any]],
    *,
    kind: str,
    space: Any,
    n_iter: int | None = None,
    cv: int | None = None,
    metrics: Sequence[str] | None = None,
    random_state: int | None = None,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    run_dir: Path | str | None = None,
    settings: Settings | None = None,
    quiet: bool = False,
) -> SearchResult:
    from modelyard.model import Model

    settings = settings or Settings()  # the caller's, else the documented defaults
    default_cv = settings.cv if settings.cv else DEFAULT_SEARCH_FOLDS
    plan = _plan(
        settings,
        data,
        model.task,
        cv=cv,
        metrics=metrics,
        random_state=random_state,
        n_jobs=n_jobs,
        scheduler=scheduler,
        default_cv=default_cv,
    )
    candidates = [
        Candidate(
            _params_label(params),
            fresh(model.estimator).set_params(**params),
            params,
            columns=model.features,  # a model restricted by with_features reads only those
        )
        for params in combos
    ]
    started = utc_now()
    results, table, best_params = _run(
        candidates, data, plan, model.task, progress=f"{kind} search", quiet=quiet
    )
    group = ResultGroup(results)
    best = Model(fresh(model.estimator).set_params(**best_params), model.name, task=model.task)
    best.contract, best.features = model.contract, model.features
    best.train(data, run_dir=run_dir, settings=settings, quiet=quiet)
    best.result = group.best
    options = {"search": kind, "space": _plain_space(space), "candidates": len(combos)}
    if n_iter is not None:
        options["n_iter"] = n_iter
    run_id, record = _log(
        "search",
        started,
        settings,
        run_dir,
        data,
        model_name=model.resolve_name(settings),
        estimator=estimator_label(model.estimator),
        params=_plain(best_params),
        best=group.best,
        table=table,
        options=options,
        plan=plan,
    )
    # A version saved from it says which search chose its parameters (its model card's origin).
    best.origin = {
        "kind": "search",
        "run_id": run_id,
        "record": None if record is None else str(record),
        "params": _plain(best_params),
    }
    return SearchResult(best, group, table, best_params, record)


def _plan(
    settings: Settings,
    data: Dataset,
    task: str,
    *,
    cv: int | None,
    metrics: Sequence[str] | None,
    random_state: int | None,
    n_jobs: int | None,
    scheduler: str | None,
    default_cv: int,
) -> Plan:
    return resolve_plan(
        data,
        task,
        metrics=metrics or settings.metrics or default_metrics(task),
        cv=default_cv if cv is None else cv,
        random_state=settings.random_state if random_state is None else random_state,
        n_jobs=settings.n_jobs if n_jobs is None else n_jobs,
        scheduler=scheduler or settings.scheduler,
        test_size=settings.test_size,
    )


def _run(
    candidates: list[Candidate],
    data: Dataset,
    plan: Plan,
    task: str,
    *,
    progress: str,
    quiet: bool,
) -> tuple[list[Result], pd.DataFrame, dict[str, Any]]:
    """Fit and measure every candidate on every fold: one Result each, the table, best params."""
    metric, best = plan.metrics[0], math.nan

    def done(_: Any, parts: list[Any]) -> None:
        nonlocal best
        value = _mean(parts, metric)
        if math.isnan(best) or (value < best if metric in LOWER_IS_BETTER else value > best):
            best = value
        shown.update(1, status=f"best {metric} {best:.4f}")

    with Progress(progress, len(candidates), unit="candidates", quiet=quiet, ticking=True) as shown:
        outcomes = run_candidates(candidates, data, plan, task, on_done=done)
    rows = len(data.x)
    results = [
        fold_result(c.label, c.estimator, task, parts, plan, rows)
        for c, parts in zip(candidates, outcomes, strict=True)
    ]
    table, best = _table(candidates, results, outcomes, plan)
    return results, table, dict(candidates[best].params)


def _mean(parts: list[Any], metric: str) -> float:
    return float(np.mean([values[metric] for values, *_ in parts]))


def _table(
    candidates: list[Candidate], results: list[Result], outcomes: list[list[Any]], plan: Plan
) -> tuple[pd.DataFrame, int]:
    """The candidate table, best first, and the index of the best candidate."""
    rows = []
    for candidate, result, parts in zip(candidates, results, outcomes, strict=True):
        row: dict[str, Any] = {"candidate": candidate.label}
        row.update({f"param_{k}": _cell(v) for k, v in candidate.params.items()})
        for name in plan.metrics:
            scores = [values[name] for values, *_ in parts]
            row.update({f"split{i}_{name}": s for i, s in enumerate(scores)})
            row[f"mean_{name}"] = result.metrics[name]
            row[f"std_{name}"] = float(np.std(scores))
        fit_times = [fit for *_, fit, _ in parts]
        row["mean_fit_time"] = float(np.mean(fit_times))
        row["std_fit_time"] = float(np.std(fit_times))
        row["mean_score_time"] = float(np.mean([score for *_, score in parts]))
        rows.append(row)
    table = pd.DataFrame(rows)
    first = plan.metrics[0]
    sign = 1 if first in LOWER_IS_BETTER else -1
    means = table[f"mean_{first}"]
    # Same order as ResultGroup: best first, a metric that could not be computed last.
    order = sorted(range(len(table)), key=lambda i: (math.isnan(means[i]), sign * means[i]))
    table = table.iloc[order].reset_index(drop=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table, order[0]


def _log(
    kind: str,
    started: Any,
    settings: Settings,
    run_dir: Path | str | None,
    data: Dataset,
    *,
    model_name: str,
    estimator: str,
    params: dict[str, Any],
    best: Result,
    table: pd.DataFrame,
    options: dict[str, Any],
    plan: Plan,
) -> tuple[str, Path | None]:
    """Record the run and write its candidate table beside it: the run's id, the record's path."""
    folder = Path(settings.run_dir if run_dir is None else run_dir)
    record = make_record(
        kind,
        started,
        data,
        model_name=model_name,
        estimator=estimator,
        root=settings.root,
        params=params,
        metrics=dict(best.metrics),
        metrics_std=dict(best.std),
    )
    files = write_table(table, folder, f"{record.run_id}-candidates")
    record = replace(
        record,
        options={
            **options,
            "best": best.model_name,
            "cv": plan.cv,
            "random_state": plan.random_state,
            "metrics": list(plan.metrics),
            "n_jobs": plan.n_jobs,
            "scheduler": plan.scheduler,
            **{f"candidates_{suffix}": name for suffix, name in files.items()},
        },
    )
    return record.run_id, record_run(record, folder)


def write_table(table: pd.DataFrame, folder: Path, stem: str) -> dict[str, str]:
    """Write ``table`` as ``stem.csv`` and ``stem.parquet`` in ``folder``; the names written.

    Like run records, a table that cannot be written warns
    (:class:`~modelyard.exceptions.RunLogWarning`) and does not fail the run.
    Parquet needs pyarrow (``pip install 'modelyard[parquet]'``); without it
    only the CSV file is written, and nothing is said: the CSV holds the same table.
    """
    written = {}
    plain = table.copy()
    for column in [c for c in plain.columns if pd.api.types.is_object_dtype(plain[c])]:
        plain[column] = plain[column].map(lambda v: v if isinstance(v, str) else repr(v))
    writers: dict[str, Callable[[Path], None]] = {
        "csv": lambda path: plain.to_csv(path, index=False)
    }
    if _has_pyarrow():
        writers["parquet"] = lambda path: plain.to_parquet(path, index=False)
    for suffix, write in writers.items():
        path = folder / f"{stem}.{suffix}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write(path)
        except (OSError, ImportError) as error:
            warnings.warn(
                f"candidate table {path} was not written: {error}", RunLogWarning, stacklevel=4
            )
            continue
        written[suffix] = path.name
    return written


def _has_pyarrow() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("pyarrow") is not None
    except (ImportError, ValueError):  # a stub module left in sys.modules
        return False


def _named(estimators: Iterable[Any] | Mapping[str, Any]) -> list[tuple[str, Any, str | None]]:
    """(label, estimator, task) for each; Models give their name and task."""
    from modelyard.model import Model

    items = (
        list(estimators.items())
        if isinstance(estimators, Mapping)
        else [(None, e) for e in estimators]
    )
    if len(items) < 2:
        raise ModelyardError("compare needs at least two estimators")
    named, seen = [], {}
    for label, item in items:
        estimator, task = (item.estimator, item.task) if isinstance(item, Model) else (item, None)
        if label is None:
            label = item.name if isinstance(item, Model) and item.name else type(estimator).__name__
        seen[label] = seen.get(label, 0) + 1
        named.append((label if seen[label] == 1 else f"{label} #{seen[label]}", estimator, task))
        for method in ("fit", "predict"):
            if not callable(getattr(estimator, method, None)):
                raise ModelyardError(f"{label} has no {method} method; compare takes estimators")
    return named


def _params_label(params: Mapping[str, Any]) -> str:
    """``C=0.1, penalty='l2'``: plain values (numpy's scalars as numbers, floats to 4 digits)."""
    return ", ".join(f"{k}={shown_value(v)}" for k, v in params.items()) or "defaults"


def shown_value(value: Any, *, quote: bool = True) -> str:
    """A parameter value as a person writes it: ``0.05``, ``31``, ``'l2'`` (``l2`` unquoted).

    numpy's scalars read as Python numbers and floats have 4 significant digits;
    candidate labels quote text, the command line's tables do not.
    """
    value = _cell(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return repr(value) if quote else str(value)


def _cell(value: Any) -> Any:
    """A value as a table cell: numpy's scalars as Python numbers, other objects as text."""
    if isinstance(value, np.generic):
        value = value.item()
    return value if isinstance(value, str | int | float | bool | type(None)) else repr(value)


def _plain(params: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _cell(value) for key, value in params.items()}


def _plain_space(space: Any) -> Any:
    grids = [space] if isinstance(space, Mapping) else list(space)
    plain = [
        {
            k: [_cell(v) for v in values] if isinstance(values, Sequence) else repr(values)
            for k, values in grid.items()
        }
        for grid in grids
    ]
    return plain[0] if isinstance(space, Mapping) else plain
