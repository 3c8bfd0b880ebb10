"""The evaluation engine: one plan of splits and metrics, any number of candidates over it.

Every measurement modelyard makes goes through here: :meth:`Model.score
<modelyard.model.Model.score>`, grid and random search, :meth:`Model.compare
<modelyard.model.Model.compare>` and feature selection. So they agree on

* what ``cv`` may be (:func:`check_cv`): 0 for one holdout split, or a number
  of folds of at least 2;
* how folds are made (:func:`splitter`): ``StratifiedKFold`` for classifiers,
  ``KFold`` for regressors, shuffled with the seed;
* how one fold is fitted and measured (:func:`measure_fold`), on a fresh copy
  of the estimator (:func:`fresh`);
* how a candidate's folds become a :class:`~modelyard.result.Result`
  (:func:`fold_result`): each metric's mean, its spread, the out-of-fold
  predictions (:func:`out_of_fold`);
* how a run is recorded (:func:`record_run`).

A :class:`Plan` is resolved once (:func:`resolve_plan`) from explicit
arguments; :func:`run_candidates` fits every candidate on every split of it,
through joblib locally or on a Dask cluster (:mod:`modelyard.parallel`).
Nothing here reads the project's configuration: callers pass what they mean.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from modelyard.data import Dataset
from modelyard.data.dataset import Split
from modelyard.exceptions import DataError, ModelyardError
from modelyard.fitting import estimator_errors, estimator_label, fit_estimator
from modelyard.metrics import Predictions, check_metric_names, measure
from modelyard.parallel import workers
from modelyard.provenance import data_summary, git_state
from modelyard.result import Result
from modelyard.runlog import RunRecord, write_run

# One fold's outcome: metric values, predictions, fit seconds, score seconds.
FoldOutcome = tuple[dict[str, float], Predictions, float, float]


@dataclass(frozen=True)
class Candidate:
    """One estimator to fit and measure: its label, the unfitted estimator, its parameters.

    ``columns``, when given, restricts the candidate to those features (what
    feature selection compares); None uses every column.
    """

    label: str
    estimator: Any
    params: dict[str, Any]
    columns: list[str] | None = None


@dataclass(frozen=True)
class Plan:
    """How candidates are measured: the splits, the metrics and where the work runs.

    ``splits`` holds (train, test) row positions: one pair for the holdout
    split (``cv=0``, kept whole in ``holdout``), one per fold otherwise.
    """

    splits: list[tuple[np.ndarray, np.ndarray]]
    metrics: tuple[str, ...]
    cv: int
    random_state: int
    n_jobs: int
    scheduler: str | None
    test_size: float | None = None
    holdout: Split | None = field(default=None, repr=False, compare=False)


def check_cv(value: Any, *, holdout: bool = True) -> int:
    """``value`` if it is a valid ``cv``: 0 (when ``holdout`` is allowed) or folds of at least 2."""
    low = 0 if holdout else 2
    if isinstance(value, bool) or not isinstance(value, int) or value < low or value == 1:
        if holdout:
            raise ModelyardError(
                f"cv must be 0 (one holdout split) or a number of folds of at least 2, "
                f"not {value!r}"
            )
        raise ModelyardError(f"cv must be a number of folds of at least 2, not {value!r}")
    return value


def check_seed(value: Any) -> int:
    """``value`` if it is an integer seed, else a :class:`~modelyard.exceptions.ModelyardError`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ModelyardError(f"random_state must be an integer, not {value!r}")
    return value


def check_n_jobs(value: Any) -> int:
    """``value`` if it is a whole number of jobs other than 0 (-1: every core)."""
    if isinstance(value, bool) or not isinstance(value, int) or value == 0:
        raise ModelyardError(f"n_jobs must be a whole number other than 0, not {value!r}")
    return value


def splitter(folds: int, seed: int, *, stratify: bool) -> Any:
    """The scikit-learn splitter of ``folds`` shuffled folds: stratified for classifiers."""
    from sklearn.model_selection import KFold, StratifiedKFold

    kind = StratifiedKFold if stratify else KFold
    return kind(n_splits=folds, shuffle=True, random_state=seed)


def resolve_plan(
    data: Dataset,
    task: str,
    *,
    metrics: Sequence[str],
    cv: int = 0,
    random_state: int = 42,
    n_jobs: int = 1,
    scheduler: str | None = None,
    test_size: float = 0.2,
) -> Plan:
    """Check the arguments and make the splits every candidate will share.

    Args:
        data: the rows to split.
        task: ``"classification"`` (stratified splits) or ``"regression"``.
        metrics: metric names (:mod:`modelyard.metrics`); the first ranks candidates.
        cv: 0 for one holdout split of ``test_size``, else the number of folds.
        random_state: seed of the split or the folds.
        n_jobs: local processes for the fits (-1: every core).
        scheduler: a Dask scheduler address to run the fits on, or None.
        test_size: the held-out share when ``cv`` is 0.
    """
    names = tuple(metrics)
    check_metric_names(names)  # before fitting, so a typo costs nothing
    folds = check_cv(cv)
    seed = check_seed(random_state)
    jobs = check_n_jobs(n_jobs)
    stratify = task == "classification"
    x, y = data.x, data.y
    if not folds:
        split = data.split(test_size=test_size, random_state=seed, stratify=stratify)
        pairs = [_holdout_positions(len(x), y if stratify else None, test_size, seed)]
        return Plan(pairs, names, 0, seed, jobs, scheduler, test_size, split)
    try:
        pairs = list(splitter(folds, seed, stratify=stratify).split(x, y))
    except ValueError as error:
        raise DataError(f"cannot make {folds} folds of {len(x)} rows: {error}") from None
    return Plan(pairs, names, folds, seed, jobs, scheduler)


def _holdout_positions(
    rows: int, stratify: pd.Series | None, test_size: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The row positions of :meth:`Dataset.split`'s parts (the same shuffle, by position)."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        np.arange(rows), test_size=test_size, random_state=seed, stratify=stratify
    )
    return np.asarray(train), np.asarray(test)


def fresh(estimator: Any) -> Any:
    """An unfitted copy: scikit-learn's clone where it applies, a deep copy otherwise."""
    if callable(getattr(estimator, "get_params", None)):
        from sklearn.base import clone

        return clone(estimator)
    return copy.deepcopy(estimator)


def measure_fold(
    estimator: Any,
    x: pd.DataFrame,
    y: pd.Series,
    train: np.ndarray,
    test: np.ndarray,
    names: tuple[str, ...],
    is_classifier: bool,
) -> FoldOutcome:
    """Fit a fresh copy on one fold's rows and measure it on the rest.

    Returns the metric values, the predictions, and the fit and score times in seconds.
    """
    fitted = fresh(estimator)
    started = time.perf_counter()
    fit_estimator(fitted, x.iloc[train], y.iloc[train])
    fit_time = time.perf_counter() - started
    classes = getattr(fitted, "classes_", None) if is_classifier else None
    started = time.perf_counter()
    with estimator_errors(fitted, x.iloc[test], "measured"):
        values, predictions = measure(
            names,
            fitted,
            x.iloc[test],
            y.iloc[test],
            np.asarray(classes).tolist() if classes is not None else None,
        )
    return values, predictions, fit_time, time.perf_counter() - started


def out_of_fold(parts: list[Predictions]) -> Predictions:
    """Every row's prediction from the fold that held it out, folds one after another."""
    same_classes = all(
        p.classes is not None
        and parts[0].classes is not None
        and np.array_equal(p.classes, parts[0].classes)
        for p in parts
    )
    probabilities = [p.y_proba for p in parts]
    return Predictions(
        y_true=np.concatenate([p.y_true for p in parts]),
        y_pred=np.concatenate([p.y_pred for p in parts]),
        y_proba=(
            np.concatenate(probabilities)
            if same_classes and all(p is not None for p in probabilities)
            else None
        ),
        classes=parts[0].classes if same_classes else None,
    )


def run_candidates(
    candidates: Sequence[Candidate],
    data: Dataset,
    plan: Plan,
    task: str,
    *,
    on_done: Callable[[int, list[FoldOutcome]], None] | None = None,
    on_fold: Callable[[int, FoldOutcome], None] | None = None,
) -> list[list[FoldOutcome]]:
    """Fit and measure every candidate on every split of ``plan``; the outcomes per candidate.

    The fits are independent and gathered in order, so the numbers do not
    depend on ``n_jobs`` or on where they ran. For progress, ``on_fold(index,
    outcome)`` is called as each fold comes in, and ``on_done(index, outcomes)``
    as each candidate's last fold does.
    """
    from joblib import Parallel, delayed

    x, y = data.x, data.y
    folds = len(plan.splits)
    outcomes: list[list[FoldOutcome]] = [[] for _ in candidates]
    is_classifier = task == "classification"
    with workers(plan.n_jobs, plan.scheduler) as n_jobs:
        jobs = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(measure_fold)(
                c.estimator,
                x if c.columns is None else x[c.columns],
                y,
                train,
                test,
                plan.metrics,
                is_classifier,
            )
            for c in candidates
            for train, test in plan.splits
        )
        for number, outcome in enumerate(jobs):
            index = number // folds
            outcomes[index].append(outcome)
            if on_fold is not None:
                on_fold(index, outcome)
            if len(outcomes[index]) == folds and on_done is not None:
                on_done(index, outcomes[index])
    return outcomes


def fold_result(
    label: str, estimator: Any, task: str, parts: list[FoldOutcome], plan: Plan, rows: int
) -> Result:
    """A candidate's :class:`~modelyard.result.Result` from its folds' outcomes.

    Each metric is the mean over the folds (the one value of a holdout split);
    ``std`` is its spread over the folds (empty for a holdout split).
    """
    table = pd.DataFrame([values for values, *_ in parts], columns=list(plan.metrics))
    # Rows per fold (the means, for folds of uneven size): every fold's training and test
    # rows together are all the rows, so n_train + n_test is the table's size.
    n_test = round(float(np.mean([len(test) for _, test in plan.splits])))
    n_train = rows - n_test if plan.cv else len(plan.splits[0][0])
    return Result(
        model_name=label,
        estimator=estimator_label(estimator),
        task=task,
        metrics={name: float(table[name].mean()) for name in plan.metrics},
        std={name: float(table[name].std(ddof=0)) for name in plan.metrics} if plan.cv else {},
        n_train=n_train,
        n_test=n_test,
        predictions=out_of_fold([p for _, p, *_ in parts]),
        cv=plan.cv,
    )


def make_record(
    kind: str,
    started: datetime,
    data: Dataset,
    *,
    model_name: str,
    estimator: str,
    root: Path | str | None = None,
    params: dict[str, Any] | None = None,
    metrics: dict[str, float] | None = None,
    metrics_std: dict[str, float] | None = None,
    options: dict[str, Any] | None = None,
    fingerprint: str | None = None,
) -> RunRecord:
    """The run record of a run on ``data`` that started at ``started`` and ends now.

    ``root`` is the project folder whose git state is recorded (the working
    directory when None).
    """
    return RunRecord.finished(
        kind=kind,
        started=started,
        model_name=model_name,
        estimator=estimator,
        params=dict(params or {}),
        metrics=dict(metrics or {}),
        metrics_std=dict(metrics_std or {}),
        options=dict(options or {}),
        data=data_summary(data, fingerprint),
        git=git_state(Path(root) if root is not None else Path.cwd()),
    )


def record_run(record: RunRecord, run_dir: Path | str) -> Path | None:
    """Write ``record`` into ``run_dir``; None (with a warning) if it could not be written."""
    return write_run(record, Path(run_dir))
