"""Feature selection: choose the input columns worth keeping, whatever the pipeline does with them.

Selection chooses among the columns of the table (``data.x``), not among what a
pipeline makes of them: a ``ColumnTransformer`` that one-hot encodes ``island``
counts as one feature, ``island``. Every subset is tried with the model's
estimator restricted to it (:func:`modelyard.columns.restrict`: a
``ColumnTransformer`` forgets the dropped columns), so any pipeline works. Each
method scores with the model's first metric (or ``metric``):

* ``"permutation"``: fit on the training split (the holdout split
  :meth:`Model.score <modelyard.model.Model.score>` uses), then shuffle each
  input column of the held-out rows and keep the columns whose shuffling
  lowers the score;
* ``"rfecv"``: recursive elimination over input columns. The current set is
  cross-validated on the engine's folds; on each held-out fold each column is
  shuffled (permutation importance), and the column whose shuffling costs
  least is dropped. Without ``n_features`` it goes down to one column and
  keeps the best-scoring set (the fewer columns on a tie), with ``n_features``
  it stops there. ``ranking`` is 1 for kept columns and higher for those
  dropped earlier, as scikit-learn's ``RFECV`` reports it;
* ``"sequential"``: forward selection, adding the column that most improves the
  cross-validated score (the engine's :func:`~modelyard.evaluation.run_candidates`),
  until ``n_features`` are chosen.

:func:`select_features` returns a :class:`FeatureSelection` with the chosen
names, the scores behind them, a plot, and :meth:`FeatureSelection.model`, the
model restricted to them (:meth:`Model.with_features
<modelyard.model.Model.with_features>`), to train on the same data. The choice
is recorded in the run log (kind ``"select_features"``). Progress is shown on
stderr (``quiet=True`` hides it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from modelyard.columns import check_columns
from modelyard.config import Settings
from modelyard.data import Dataset
from modelyard.evaluation import (
    Candidate,
    Plan,
    check_cv,
    fresh,
    make_record,
    record_run,
    resolve_plan,
    run_candidates,
)
from modelyard.exceptions import ModelyardError
from modelyard.fitting import estimator_errors, estimator_label, fit_estimator
from modelyard.metrics import check_metric_names, default_metrics, measure
from modelyard.parallel import workers
from modelyard.progress import Progress
from modelyard.result import LOWER_IS_BETTER
from modelyard.runlog import utc_now

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from modelyard.model import Model

#: The feature-selection methods :func:`select_features` offers.
METHODS = ("permutation", "rfecv", "sequential")

#: modelyard metric names that scikit-learn knows by another scorer name. Those scorers
#: are negated errors (higher is better), which is what permutation importance needs:
#: a column whose shuffling raises the error has a positive importance.
_SCORERS = {"rmse": "neg_root_mean_squared_error", "mae": "neg_mean_absolute_error"}

#: Each method's evidence column in :attr:`FeatureSelection.scores`, and its plot label.
EVIDENCE = {
    "permutation": ("importance", "{change} in {metric} when shuffled"),
    "rfecv": ("ranking", "Elimination rank (1 = kept)"),
    "sequential": ("step", "Step added (0 = not added)"),
}


@dataclass(frozen=True)
class FeatureSelection:
    """What :func:`select_features` chose, and why.

    Attributes:
        method: ``"permutation"``, ``"rfecv"`` or ``"sequential"``.
        selected: the kept input columns, in the data's column order.
        scores: one row per input column: ``selected``, and the method's evidence
            (``importance`` and ``std`` for permutation, ``ranking`` for rfecv
            where 1 is kept, ``step`` for sequential: the order columns were added).
        metric: the metric the choice was made with.
        score: the score of the selected columns (permutation: the fitted
            model's held-out score; rfecv and sequential: the cross-validated
            score), as :attr:`Result.metrics <modelyard.result.Result.metrics>`
            reports it (rmse and mae positive, lower is better).
        run_record: the run record written, if it was.
    """

    method: str
    selected: list[str]
    scores: pd.DataFrame
    metric: str
    score: float
    source: Model = field(repr=False)
    run_record: Path | None = field(default=None, repr=False)

    @property
    def dropped(self) -> list[str]:
        """The input columns left out."""
        return [name for name in self.scores.index if name not in self.selected]

    @property
    def evidence(self) -> str:
        """The column of :attr:`scores` that holds this method's evidence."""
        return EVIDENCE[self.method][0]

    def model(self) -> Model:
        """A new, untrained Model reading only :attr:`selected`: ``source.with_features(selected)``.

        Train it on the same data (``selection.model().train(data)``): it takes
        the selected columns itself, and its schema (so its model card and
        serving) names only them.
        """
        return self.source.with_features(self.selected, all_columns=list(self.scores.index))

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """One bar per input column of the method's evidence; kept ones in the first colour."""
        from modelyard.plots.style import colour, finish, new_axes

        change = "Rise" if self.metric in LOWER_IS_BETTER else "Drop"
        column, label = EVIDENCE[self.method]
        values = self.scores[column].to_numpy(dtype=float)
        rows = np.arange(len(values))
        ax = new_axes(ax)
        colours = [colour(0) if kept else colour(5) for kept in self.scores["selected"]]
        ax.barh(rows, values, color=colours)
        ax.set_yticks(rows, [str(name) for name in self.scores.index])
        ax.invert_yaxis()
        title = f"Feature selection ({self.method}): {len(self.selected)} of {len(values)} kept"
        return finish(ax, title, label.format(change=change, metric=self.metric), "Feature")

    def __str__(self) -> str:
        return (
            f"{self.method}: kept {len(self.selected)} of {len(self.scores)} features "
            f"({self.metric} {self.score:.4f}): {', '.join(self.selected)}"
        )


def select_features(
    model: Model,
    data: Dataset,
    *,
    method: str = "permutation",
    n_features: int | None = None,
    metric: str | None = None,
    cv: int | None = None,
    random_state: int | None = None,
    n_jobs: int | None = None,
    n_repeats: int = 10,
    scheduler: str | None = None,
    run_dir: Path | str | None = None,
    settings: Settings | None = None,
    quiet: bool = False,
) -> FeatureSelection:
    """Choose input columns for ``model`` from ``data`` with ``method`` (see the module).

    Args:
        model: the model whose estimator is fitted (copies of it; it is left as
            is). A model made by :meth:`~modelyard.model.Model.with_features`
            chooses among its own columns.
        data: the training data.
        method: one of :data:`METHODS`.
        n_features: how many to keep; by default permutation keeps every
            column that helps, rfecv the number cross-validation likes best,
            sequential half of them.
        metric: the metric to choose by; default the first configured metric,
            else ``accuracy`` or ``r2``.
        cv: folds for rfecv and sequential (default the ``cv`` setting, else 5).
        random_state: seed of the split, the folds and the shuffles.
        n_jobs: local processes (default: the ``n_jobs`` setting).
        scheduler: a Dask scheduler address (default: the ``scheduler`` setting).
        n_repeats: permutation and rfecv: shuffles per column.
        run_dir: run folder (default: the ``run_dir`` setting).
        settings: plain data the caller resolved (the project layer passes the
            project's); the "settings" above are its fields, else
            :class:`~modelyard.config.Settings`' defaults. Nothing is read
            from ``pyproject.toml`` here.
        quiet: show no progress (by default a bar on a terminal, a line every
            few seconds elsewhere, counting fits or candidates).
    """
    if method not in METHODS:
        raise ModelyardError(
            f"unknown selection method {method!r}; choose from {', '.join(METHODS)}"
        )
    settings = settings or Settings()
    name, scoring = _metric(model, metric, settings)
    columns = _columns(model, data)
    _check_n_features(n_features, columns)
    folds = check_cv(cv if cv is not None else (settings.cv or 5), holdout=False)
    seed = settings.random_state if random_state is None else random_state
    started = utc_now()
    chooser = {"permutation": _permutation, "rfecv": _rfecv, "sequential": _sequential}[method]
    jobs = settings.n_jobs if n_jobs is None else n_jobs
    with workers(jobs, scheduler or settings.scheduler) as jobs:
        plan = resolve_plan(
            data,
            model.task,
            metrics=[name],
            cv=0 if method == "permutation" else folds,
            random_state=seed,
            n_jobs=jobs,
            test_size=settings.test_size,
        )
        total, unit = _work(method, len(columns), n_features, len(plan.splits))
        with Progress(f"{method} selection", total, unit=unit, quiet=quiet) as shown:
            scores, score = chooser(
                _Search(model, data, columns, plan, scoring, n_repeats, shown), n_features
            )
    selected = [c for c in columns if scores.loc[c, "selected"]]
    record = make_record(
        "select_features",
        started,
        data,
        model_name=model.resolve_name(settings),
        estimator=estimator_label(model.estimator),
        root=settings.root,
        metrics={name: score},
        options={
            "method": method,
            "selected": selected,
            "dropped": [c for c in columns if c not in selected],
            "metric": name,
            "n_features": n_features,
            "cv": folds,
            "random_state": seed,
        },
    )
    record_path = record_run(record, settings.run_dir if run_dir is None else run_dir)
    return FeatureSelection(method, selected, scores, name, score, model, record_path)


def _metric(model: Model, metric: str | None, settings: Settings) -> tuple[str, str]:
    """The metric to choose by and its scikit-learn scorer name (what shuffles are scored by)."""
    fallback = "accuracy" if model.is_classifier else "r2"
    name = metric or (settings.metrics[0] if settings.metrics else fallback)
    check_metric_names([name])
    scoring = _SCORERS.get(name, name)
    from sklearn.metrics import get_scorer_names

    if scoring not in get_scorer_names():
        raise ModelyardError(
            f"feature selection scores with scikit-learn scorers; {name!r} is not one. "
            f"Use e.g. {', '.join(default_metrics(model.task)[:1])}"
        )
    return name, scoring


def _columns(model: Model, data: Dataset) -> list[str]:
    """The input columns to choose among: the model's own (with_features), else the data's."""
    everything = [str(c) for c in data.x.columns]
    return everything if model.features is None else check_columns(model.features, everything)


def _check_n_features(n_features: Any, columns: list[str]) -> None:
    if n_features is not None and (
        isinstance(n_features, bool)
        or not isinstance(n_features, int)
        or not 1 <= n_features < len(columns)
    ):
        raise ModelyardError(
            f"n_features must be a whole number from 1 to {len(columns) - 1} "
            f"(the data has {len(columns)} features), not {n_features!r}"
        )


def _work(method: str, columns: int, n_features: int | None, splits: int) -> tuple[int, str]:
    """How much the method will do, and in what unit: what its progress counts."""
    if method == "permutation":
        return 1, "fits"
    if method == "rfecv":  # one set per size, from all columns down to the target
        return (columns - (n_features or 1) + 1) * splits, "fits"
    steps = n_features or max(columns // 2, 1)
    return sum(columns - step for step in range(steps)), "candidates"


@dataclass(frozen=True)
class _Search:
    """What every method works with: the model, the data, the columns, the plan, the progress."""

    model: Model
    data: Dataset
    columns: list[str]
    plan: Plan
    scoring: str
    n_repeats: int
    shown: Progress

    @property
    def metric(self) -> str:
        return self.plan.metrics[0]

    @property
    def best(self) -> Callable[[Any], Any]:
        """``np.nanargmin`` for errors, ``np.nanargmax`` otherwise: the index of the best score."""
        return np.nanargmin if self.metric in LOWER_IS_BETTER else np.nanargmax

    @property
    def shuffles(self) -> _Shuffles:
        return _Shuffles(
            self.metric,
            self.scoring,
            self.n_repeats,
            self.plan.random_state,
            self.model.is_classifier,
        )

    def restricted(self, columns: list[str]) -> Any:
        """The model's estimator restricted to ``columns``."""
        return self.model.with_features(columns, all_columns=self.columns).estimator

    def frame(self, values: dict[str, Any]) -> pd.DataFrame:
        return pd.DataFrame(values, index=pd.Index(self.columns, name="feature"))


@dataclass(frozen=True)
class _Shuffles:
    """How one fold is measured and shuffled: plain data, sent to the processes that fit."""

    metric: str
    scoring: str
    n_repeats: int
    seed: int
    is_classifier: bool


def _permutation(how: _Search, n_features: int | None) -> tuple[pd.DataFrame, float]:
    ((train, test),) = how.plan.splits
    x = how.data.x[how.columns]
    # One fit, run here: the shuffles of the held-out rows are what runs in parallel.
    value, found = _fold_evidence(
        how.shuffles, how.model.estimator, x, how.data.y, (train, test), how.plan.n_jobs
    )
    how.shown.update(1)
    scores = how.frame({"importance": found.importances_mean, "std": found.importances_std})
    order = scores["importance"].sort_values(ascending=False, kind="stable").index
    helps = scores.index[scores["importance"] > 0]
    keep = order[:n_features] if n_features else helps
    # Nothing helps on this split: keep the single most useful column rather than none.
    scores["selected"] = scores.index.isin(keep if len(keep) else order[:1])
    return scores, value


def _rfecv(how: _Search, n_features: int | None) -> tuple[pd.DataFrame, float]:
    current, removed = list(how.columns), []
    history: list[tuple[list[str], float]] = []
    while True:
        score, importance = _cross_validated_importance(how, current)
        history.append((list(current), score))
        if len(current) == (n_features or 1):
            break
        # The weakest column costs least when shuffled; a tie drops the later column.
        weakest = len(current) - 1 - int(np.argmin(importance[::-1]))
        removed.append(current.pop(weakest))
    if n_features:
        chosen = len(history) - 1
    else:
        values = np.array([score for _, score in history])
        # The best score; on a tie the later set, which has fewer columns.
        chosen = len(values) - 1 - int(how.best(values[::-1]))
    kept, score = history[chosen]
    ranks = {name: chosen - position + 1 for position, name in enumerate(removed[:chosen])}
    scores = how.frame({"ranking": [ranks.get(c, 1) for c in how.columns]})
    scores["selected"] = scores.index.isin(kept)
    return scores, score


def _cross_validated_importance(how: _Search, columns: list[str]) -> tuple[float, np.ndarray]:
    """The mean score of ``columns`` over the plan's folds, and each column's mean importance."""
    from joblib import Parallel, delayed

    estimator, x = how.restricted(columns), how.data.x[columns]
    with workers(how.plan.n_jobs, how.plan.scheduler) as n_jobs:
        jobs = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_fold_evidence)(how.shuffles, estimator, x, how.data.y, split, 1)
            for split in how.plan.splits
        )
        folds = []
        for fold in jobs:
            folds.append(fold)
            how.shown.update(1, status=f"{len(columns)} column{'s' * (len(columns) != 1)}")
    score = float(np.mean([value for value, _ in folds]))
    return score, np.mean([found.importances_mean for _, found in folds], axis=0)


def _fold_evidence(
    how: _Shuffles,
    estimator: Any,
    x: pd.DataFrame,
    y: pd.Series,
    split: tuple[np.ndarray, np.ndarray],
    jobs: int,
) -> tuple[float, Any]:
    """Fit a fresh copy on a split's training rows; its score on the rest and the shuffles' cost.

    The score is measured as :meth:`Model.score <modelyard.model.Model.score>`
    measures a fold; the importances are scikit-learn's permutation importances
    of ``x``'s columns on the held-out rows, ``jobs`` processes shuffling.
    """
    from sklearn.inspection import permutation_importance

    train, test = split
    fitted = fit_estimator(fresh(estimator), x.iloc[train], y.iloc[train])
    classes = getattr(fitted, "classes_", None) if how.is_classifier else None
    held_out, truth = x.iloc[test], y.iloc[test]
    with estimator_errors(fitted, held_out, "measured"):
        values, _ = measure(
            [how.metric],
            fitted,
            held_out,
            truth,
            np.asarray(classes).tolist() if classes is not None else None,
        )
        found = permutation_importance(
            fitted,
            held_out,
            truth,
            scoring=how.scoring,
            n_repeats=how.n_repeats,
            random_state=how.seed,
            n_jobs=jobs,
        )
    return float(values[how.metric]), found


def _sequential(how: _Search, n_features: int | None) -> tuple[pd.DataFrame, float]:
    columns = how.columns
    chosen: list[str] = []
    best_score = math.nan
    # Forward selection one column at a time, so the order columns were added is known;
    # a tie goes to the earlier column, so the choice does not depend on where fits ran.
    for _ in range(n_features or max(len(columns) // 2, 1)):
        remaining = [c for c in columns if c not in chosen]
        trials = _cv_scores(how, [[*chosen, c] for c in remaining])
        if np.isnan(trials).all():
            raise ModelyardError(
                f"no column could be added to {', '.join(chosen) or 'none'}: the pipeline reads "
                "none of them; check its ColumnTransformer"
            )
        pick = int(how.best(trials))
        chosen.append(remaining[pick])
        best_score = float(trials[pick])
    steps = {name: step for step, name in enumerate(chosen, 1)}
    scores = how.frame({"step": [steps.get(c, 0) for c in columns]})
    scores["selected"] = scores.index.isin(list(steps))
    return scores, best_score


def _cv_scores(how: _Search, sets: list[list[str]]) -> np.ndarray:
    """The engine's cross-validated score of each set of columns, in order.

    A set the pipeline cannot read (its ColumnTransformer names none of them) is
    NaN: never the best, and counted as done.
    """
    candidates, places = [], []
    for place, columns in enumerate(sets):
        try:
            estimator = how.restricted(columns)
        except ModelyardError:
            how.shown.update(1)
            continue
        candidates.append(Candidate(", ".join(columns), estimator, {}, columns=list(columns)))
        places.append(place)
    metric = how.metric
    scores = np.full(len(sets), np.nan)

    def done(index: int, parts: list[Any]) -> None:
        scores[places[index]] = np.mean([values[metric] for values, *_ in parts])
        shown = scores[~np.isnan(scores)]
        how.shown.update(1, status=f"best {metric} {shown[how.best(shown)]:.4f}")

    run_candidates(candidates, how.data, how.plan, how.model.task, on_done=done)
    return scores
