"""Feature selection: choose the features worth keeping, the same way in every project.

Three methods, each from scikit-learn and each measured with the model's
first metric:

* ``"permutation"``: fit on the training split, then shuffle each feature of
  the held-out rows and keep the features whose shuffling lowers the score;
* ``"rfecv"``: recursive feature elimination, dropping the weakest feature
  (by coefficient or importance) while cross-validation says that does no harm
  (or, with ``n_features``, until that many are left);
* ``"sequential"``: forward selection, adding the feature that most improves
  the cross-validated score (scikit-learn's ``cross_val_score`` per trial), until
  ``n_features`` are chosen.

:func:`select_features` returns a :class:`FeatureSelection` with the chosen
names, the scores behind them, a plot, and :meth:`FeatureSelection.model`, a
new Model whose pipeline starts by keeping only those columns (a scikit-learn
``ColumnTransformer``, so it saves and loads like any other model). The choice
is recorded in the run log (kind ``"select_features"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

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
from modelyard.metrics import check_metric_names, default_metrics, measure
from modelyard.parallel import workers
from modelyard.result import LOWER_IS_BETTER
from modelyard.runlog import utc_now

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from modelyard.model import Model

#: The feature-selection methods :func:`select_features` offers.
METHODS = ("permutation", "rfecv", "sequential")

#: modelyard metric names that scikit-learn knows by another scorer name. Those scorers
#: are negated errors (higher is better); what selection reports is the error itself,
#: as :attr:`Result.metrics <modelyard.result.Result.metrics>` does.
_SCORERS = {"rmse": "neg_root_mean_squared_error", "mae": "neg_mean_absolute_error"}


@dataclass(frozen=True)
class FeatureSelection:
    """What :func:`select_features` chose, and why.

    Attributes:
        method: ``"permutation"``, ``"rfecv"`` or ``"sequential"``.
        selected: the kept feature names, in the data's column order.
        scores: one row per feature: ``selected``, and the method's evidence
            (``importance`` and ``std`` for permutation, ``ranking`` for rfecv
            where 1 is kept, ``step`` for sequential: the order features were added).
        metric: the metric the choice was made with.
        score: the score of the selected features (permutation: the fitted
            model's held-out score; rfecv and sequential: the cross-validated score).
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
        """The features left out."""
        return [name for name in self.scores.index if name not in self.selected]

    def model(self) -> Model:
        """A new, untrained Model: the same estimator behind a selector of :attr:`selected`.

        The selector is a ``ColumnTransformer`` that keeps the selected columns
        by name, so the model takes the same DataFrames as before.
        """
        from sklearn.compose import ColumnTransformer
        from sklearn.pipeline import Pipeline

        from modelyard.model import Model

        keep = ColumnTransformer(
            [("keep", "passthrough", list(self.selected))],
            remainder="drop",
            verbose_feature_names_out=False,
        ).set_output(transform="pandas")
        pipeline = Pipeline([("select", keep), ("model", fresh(self.source.estimator))])
        return Model(pipeline, self.source.name, task=self.source.task)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """One bar per feature of the method's evidence; kept features in the first colour."""
        from modelyard.plots.style import colour, finish, new_axes

        change = "Rise" if self.metric in LOWER_IS_BETTER else "Drop"
        column, label = {
            "permutation": ("importance", f"{change} in {self.metric} when shuffled"),
            "rfecv": ("ranking", "Elimination rank (1 = kept)"),
            "sequential": ("step", "Step added (0 = not added)"),
        }[self.method]
        values = self.scores[column].to_numpy(dtype=float)
        rows = np.arange(len(values))
        ax = new_axes(ax)
        colours = [colour(0) if kept else colour(5) for kept in self.scores["selected"]]
        ax.barh(rows, values, color=colours)
        ax.set_yticks(rows, [str(name) for name in self.scores.index])
        ax.invert_yaxis()
        title = f"Feature selection ({self.method}): {len(self.selected)} of {len(values)} kept"
        return finish(ax, title, label, "Feature")

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
) -> FeatureSelection:
    """Choose features for ``model`` from ``data`` with ``method`` (see the module).

    Args:
        model: the model whose estimator is fitted (copies of it; it is left as is).
        data: the training data.
        method: one of :data:`METHODS`.
        n_features: how many to keep; by default permutation keeps every
            feature that helps, rfecv the number cross-validation likes best,
            sequential half of them.
        metric: the metric to choose by; default the first configured metric,
            else ``accuracy`` or ``r2``.
        cv: folds for rfecv and sequential (default the ``cv`` setting, else 5).
        random_state: seed of the split, the folds and the shuffles.
        n_jobs: local processes (default: the ``n_jobs`` setting).
        scheduler: a Dask scheduler address (default: the ``scheduler`` setting).
        n_repeats: permutation only: shuffles per feature.
        run_dir: run folder (default: the ``run_dir`` setting).
        settings: plain data the caller resolved (the project layer passes the
            project's); the "settings" above are its fields, else
            :class:`~modelyard.config.Settings`' defaults. Nothing is read
            from ``pyproject.toml`` here.
    """
    if method not in METHODS:
        raise ModelyardError(
            f"unknown selection method {method!r}; choose from {', '.join(METHODS)}"
        )
    settings = settings or Settings()
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
    columns = list(data.x.columns)
    if n_features is not None and (
        isinstance(n_features, bool)
        or not isinstance(n_features, int)
        or not 1 <= n_features < len(columns)
    ):
        raise ModelyardError(
            f"n_features must be a whole number from 1 to {len(columns) - 1} "
            f"(the data has {len(columns)} features), not {n_features!r}"
        )
    folds = check_cv(cv if cv is not None else (settings.cv or 5), holdout=False)
    seed = settings.random_state if random_state is None else random_state
    started = utc_now()
    chooser = {"permutation": _permutation, "rfecv": _rfecv, "sequential": _sequential}[method]
    jobs = settings.n_jobs if n_jobs is None else n_jobs
    with workers(jobs, scheduler or settings.scheduler) as jobs:
        scores, score = chooser(
            model,
            data,
            metric=name,
            scoring=scoring,
            n_features=n_features,
            folds=folds,
            seed=seed,
            n_jobs=jobs,
            n_repeats=n_repeats,
            test_size=settings.test_size,
        )
    selected = [c for c in columns if scores.loc[c, "selected"]]
    record = make_record(
        "select_features",
        started,
        data,
        model_name=model.resolve_name(settings),
        estimator=type(model.estimator).__name__,
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


def _plan(model: Model, data: Dataset, how: dict[str, Any]) -> Plan:
    """The engine's folds for ``how``: the same ones :meth:`Model.score` with ``cv`` makes."""
    return resolve_plan(
        data,
        model.task,
        metrics=[how["metric"]],
        cv=how["folds"],
        random_state=how["seed"],
        n_jobs=how["n_jobs"],
    )


def _better(metric: str) -> Any:
    """``np.argmin`` for errors, ``np.argmax`` otherwise: the index of the best score."""
    return np.argmin if metric in LOWER_IS_BETTER else np.argmax


def _permutation(model: Model, data: Dataset, **how: Any) -> tuple[pd.DataFrame, float]:
    from sklearn.inspection import permutation_importance

    split = data.split(
        test_size=how["test_size"], random_state=how["seed"], stratify=model.is_classifier
    )
    fitted = fresh(model.estimator).fit(split.x_train, split.y_train)
    found = permutation_importance(
        fitted,
        split.x_test,
        split.y_test,
        scoring=how["scoring"],
        n_repeats=how["n_repeats"],
        random_state=how["seed"],
        n_jobs=how["n_jobs"],
    )
    scores = pd.DataFrame(
        {"importance": found.importances_mean, "std": found.importances_std},
        index=pd.Index(data.x.columns, name="feature"),
    )
    order = scores["importance"].sort_values(ascending=False, kind="stable").index
    helps = scores.index[scores["importance"] > 0]
    keep = order[: how["n_features"]] if how["n_features"] else helps
    # Nothing helps on this split: keep the single most useful feature rather than none.
    scores["selected"] = scores.index.isin(keep if len(keep) else order[:1])
    classes = getattr(fitted, "classes_", None) if model.is_classifier else None
    values, _ = measure(
        [how["metric"]],
        fitted,
        split.x_test,
        split.y_test,
        np.asarray(classes).tolist() if classes is not None else None,
    )
    return scores, float(values[how["metric"]])


def _rfecv(model: Model, data: Dataset, **how: Any) -> tuple[pd.DataFrame, float]:
    from sklearn.feature_selection import RFE, RFECV

    plan = _plan(model, data, how)
    if how["n_features"]:
        # The number is given: eliminate down to it, then cross-validate what is left.
        selector = RFE(
            model.estimator,
            n_features_to_select=how["n_features"],
            importance_getter=final_step_importances,
        )
    else:
        selector = RFECV(
            model.estimator,
            cv=plan.splits,
            scoring=how["scoring"],
            importance_getter=final_step_importances,
            n_jobs=how["n_jobs"],
        )
    _fit_selector(selector, data, "rfecv")
    scores = pd.DataFrame(
        {"ranking": selector.ranking_, "selected": selector.support_},
        index=pd.Index(data.x.columns, name="feature"),
    )
    if how["n_features"]:
        kept = [c for c in data.x.columns if scores.loc[c, "selected"]]
        return scores, _cv_scores(model, data, [kept], plan)[0]
    # cv_results_ has one entry per number of features, from one feature up; a negated
    # error scorer (neg_root_mean_squared_error) is turned back into the error.
    sign = -1 if how["metric"] in _SCORERS else 1
    return scores, sign * float(selector.cv_results_["mean_test_score"][selector.n_features_ - 1])


def _sequential(model: Model, data: Dataset, **how: Any) -> tuple[pd.DataFrame, float]:
    plan = _plan(model, data, how)
    best = _better(how["metric"])
    columns = list(data.x.columns)
    chosen: list[str] = []
    best_score = float("nan")
    # Forward selection one feature at a time, so the order features were added is known;
    # a tie goes to the earlier column, so the choice does not depend on where fits ran.
    for _ in range(how["n_features"] or max(len(columns) // 2, 1)):
        remaining = [c for c in columns if c not in chosen]
        trials = _cv_scores(model, data, [[*chosen, c] for c in remaining], plan)
        pick = int(best(trials))
        chosen.append(remaining[pick])
        best_score = trials[pick]
    steps = {name: step for step, name in enumerate(chosen, 1)}
    scores = pd.DataFrame(
        {"step": [steps.get(c, 0) for c in columns], "selected": [c in steps for c in columns]},
        index=pd.Index(columns, name="feature"),
    )
    return scores, best_score


def _cv_scores(
    model: Model, data: Dataset, feature_sets: list[list[str]], plan: Plan
) -> list[float]:
    """The engine's cross-validated score of ``model`` on each set of features, in order."""
    candidates = [
        Candidate(", ".join(features), model.estimator, {}, columns=list(features))
        for features in feature_sets
    ]
    outcomes = run_candidates(candidates, data, plan, model.task)
    metric = plan.metrics[0]
    return [float(np.mean([values[metric] for values, *_ in parts])) for parts in outcomes]


def _fit_selector(selector: Any, data: Dataset, method: str) -> None:
    try:
        selector.fit(data.x, data.y)
    except (ValueError, TypeError, AttributeError) as error:
        reason = str(error).strip().split("\n")[0]
        raise ModelyardError(
            f"{method} could not run on this model and data: {reason}. It needs numeric "
            "features and an estimator with coef_ or feature_importances_ (rfecv); try "
            "method='permutation'"
        ) from error


def final_step_importances(estimator: Any) -> np.ndarray:
    """The absolute coefficients or importances of ``estimator`` (a pipeline's last step).

    RFECV ranks features by this; with several classes, coefficients are
    summed over classes.
    """
    step = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    values = getattr(step, "feature_importances_", None)
    if values is None:
        values = getattr(step, "coef_", None)
    if values is None:
        raise ValueError(f"{type(step).__name__} has neither coef_ nor feature_importances_")
    values = np.abs(np.asarray(values, dtype=float))
    return values.sum(axis=0) if values.ndim == 2 else values
