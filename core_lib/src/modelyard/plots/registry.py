"""Every plot a result can draw, named once: its title, what it needs, how to draw it.

``result.plot`` (:class:`~modelyard.plots.accessors.ResultPlots`), its
``available()`` and ``why_not()``, and the HTML report (:mod:`modelyard.report`)
are all read from :data:`PLOTS`. Adding a plot is one :func:`register` call:

>>> from modelyard.plots.registry import PLOTS, PlotSpec, register
>>> def draw_test_sizes(result, *, ax=None):
...     from modelyard.plots import plot_metric_comparison
...     return plot_metric_comparison(["test"], [result.n_test], metric="rows", ax=ax)
>>> spec = register(PlotSpec("test_rows", "Rows in the test split", draw_test_sizes))
>>> "test_rows" in PLOTS
True
>>> _ = PLOTS.pop("test_rows")

Nothing here imports matplotlib: the draw functions import the plot modules'
functions, which import it on the first plot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelyard.exceptions import PlotError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from matplotlib.axes import Axes

    from modelyard.result import Result

#: What a plot may need from a result, checked in this order (see :func:`why_not`).
NEEDS = ("proba", "binary", "estimator", "importances", "data", "refit")
#: The rows a sampled plot may compute on (see :class:`Sampling`).
SAMPLED_ROWS = ("all", "test", "predictions")
#: Seed of every sample a plot draws, so a report drawn twice computes on the same rows.
SAMPLE_SEED = 0


@dataclass(frozen=True)
class Sampling:
    """How a costly plot is bounded on large data, and the rows it computes on.

    The report's fast mode (see :func:`modelyard.report.write_report`) draws the
    plot with ``fast`` added to its options; the report states the rows it used.

    Attributes:
        rows: the rows the plot computes on: ``"all"`` (training and test rows,
            as the curves refit on them), ``"test"`` (the test split) or
            ``"predictions"`` (the scored predictions).
        fast: the options the fast mode adds: ``max_rows``, the most rows (a
            seeded sample, stratified for classifiers), and fewer points or repeats.
        parallel: whether the plot takes ``n_jobs`` (it refits or predicts many times).
        cost: ``cost(options, probe)``, the seconds the plot would take drawn with
            ``options``, from a :class:`Probe` of the model on the same sample; None
            for a plot that costs about as little as a cheap one. The fast report
            leaves out a plot whose cost does not fit its budget.
    """

    rows: str
    fast: dict[str, Any] = field(default_factory=dict)
    parallel: bool = False
    cost: Callable[[dict[str, Any], Probe], float] | None = None

    def __post_init__(self) -> None:
        if self.rows not in SAMPLED_ROWS:
            raise PlotError(
                f"a plot samples {self.rows!r} rows, which modelyard does not know; "
                f"choose from {', '.join(SAMPLED_ROWS)}"
            )


@dataclass(frozen=True)
class Probe:
    """What one fit and one prediction of a model cost on a report's sample.

    Attributes:
        fit: seconds to fit a clone of the estimator on the sample of every row.
        predict: seconds to predict the sample of the test split.
        columns: the input columns (permutation importance shuffles each).
    """

    fit: float
    predict: float
    columns: int


def probe(result: Result, max_rows: int | None) -> Probe:
    """Time one fit of a clone of ``result``'s estimator and one prediction, on samples.

    The samples are those of the fast report's costly plots (at most ``max_rows``
    rows, seeded), so the times say what each of their refits and shuffles costs.
    """
    from time import perf_counter

    from sklearn.base import clone

    assert result.split is not None
    x, y = _sample(result, *_all_rows(result), max_rows)
    started = perf_counter()
    clone(result.fitted_estimator).fit(x, y)
    fitted = perf_counter()
    x_test, _ = _sample(result, result.split.x_test, result.split.y_test, max_rows)
    result.fitted_estimator.predict(x_test)
    return Probe(fitted - started, perf_counter() - fitted, x_test.shape[1])


def _refits(count_option: str) -> Callable[[dict[str, Any], Probe], float]:
    """The cost of a curve that refits once per fold and per value of ``count_option``."""

    def cost(options: dict[str, Any], probe: Probe) -> float:
        values = options.get(count_option)
        count = len(values) if isinstance(values, (list, tuple)) else values or 5
        return options.get("cv", 5) * count * probe.fit

    return cost


def _shuffles(options: dict[str, Any], probe: Probe) -> float:
    """Permutation importance: one prediction per column and repeat, and one unshuffled."""
    return (probe.columns * options.get("n_repeats", 5) + 1) * probe.predict


@dataclass(frozen=True)
class PlotSpec:
    """One plot of a result.

    Attributes:
        name: the plot's name, as ``result.plot.<name>()`` and in the report.
        title: its caption in the report.
        draw: ``draw(result, *, ax=None, **options)`` draws it and returns the Axes;
            it is called only once the plot is known to fit the result.
        tasks: the task kinds it fits (``"classification"``, ``"regression"``).
        needs: what else it needs, from :data:`NEEDS`: ``"proba"`` predicted
            probabilities, ``"binary"`` two classes, ``"estimator"`` one fitted
            estimator (not a cross-validated result), ``"importances"`` the
            estimator's own feature importances, ``"data"`` the scored rows,
            ``"refit"`` an estimator that can be cloned (``get_params``).
        report_options: keyword arguments the report draws it with.
        check: ``check(result, *args, **options)``, a further test of the plot with
            the arguments it is drawn with (the reason it does not fit, or None).
        on_result: whether ``result.plot`` offers it; False for the report's data
            plots, which ``dataset.plot`` offers.
        sampling: for a costly plot, how the report bounds it on large data
            (its draw function then takes ``max_rows``); None for a cheap one.
    """

    name: str
    title: str
    draw: Callable[..., Axes]
    tasks: tuple[str, ...] = ("classification", "regression")
    needs: frozenset[str] = field(default_factory=frozenset)
    report_options: dict[str, Any] = field(default_factory=dict)
    check: Callable[..., str | None] | None = None
    on_result: bool = True
    sampling: Sampling | None = None

    def __post_init__(self) -> None:
        unknown = set(self.needs) - set(NEEDS)
        if unknown:
            raise PlotError(
                f"plot {self.name!r} needs {', '.join(sorted(unknown))}, which modelyard "
                f"does not know; choose from {', '.join(NEEDS)}"
            )


#: Every plot, in the order ``available()`` and the report list them.
PLOTS: dict[str, PlotSpec] = {}


def register(spec: PlotSpec) -> PlotSpec:
    """Add ``spec`` to :data:`PLOTS` (after the others) and return it; a name is taken once."""
    if spec.name in PLOTS:
        raise PlotError(f"there is already a plot named {spec.name!r}; choose another name")
    PLOTS[spec.name] = spec
    return spec


def get(name: str) -> PlotSpec:
    """The plot named ``name``; a PlotError that lists the names if there is none."""
    try:
        return PLOTS[name]
    except KeyError:
        raise PlotError(f"there is no plot {name!r}; choose from {', '.join(PLOTS)}") from None


def why_not(result: Result, name: str, *args: Any, **options: Any) -> str | None:
    """Why plot ``name`` does not fit ``result``, or None when it does.

    ``args`` and ``options`` are the arguments it would be drawn with (none: its
    defaults); only the plot's own :attr:`PlotSpec.check` reads them.
    """
    spec = get(name)
    reason = _unmet(spec, result)
    if reason is None and spec.check is not None:
        return spec.check(result, *args, **options)
    return reason


def _unmet(spec: PlotSpec, r: Result) -> str | None:
    name, p, needs = spec.name, r.predictions, spec.needs
    kind = "classifier" if r.task == "classification" else "regressor"
    if r.task not in spec.tasks:
        wanted = "classifier" if spec.tasks == ("classification",) else "regressor"
        return f"{name} is a {wanted} plot and {r.estimator} is a {kind}"
    if "proba" in needs and p.y_proba is None:
        return f"{name} needs predicted probabilities and {r.estimator} has no predict_proba"
    if "binary" in needs and p.y_proba is not None and p.y_proba.shape[1] != 2:
        classes = p.y_proba.shape[1]
        return f"{name} is for binary classifiers; this one has {classes} classes"
    if "estimator" in needs and r.cv:
        return (
            f"{name} needs one fitted estimator and its test split, and a "
            f"{r.cv}-fold cross-validated result has one per fold; score without cv for it"
        )
    if "estimator" in needs and r.fitted_estimator is None:
        return f"{name} needs the fitted estimator, which this result does not keep"
    if "importances" in needs:
        from modelyard.plots import importance

        try:
            importance.feature_importances(r.fitted_estimator, _columns(r))
        except PlotError as error:
            return str(error)
    if "data" in needs and r.split is None:
        return f"{name} needs the scored data, which this result does not keep"
    if "refit" in needs and not callable(getattr(r.fitted_estimator, "get_params", None)):
        return f"{name} refits clones of the estimator, and {r.estimator} has no get_params"
    return None


#: Parameters the validation curve sweeps when none is named (the first the estimator
#: has, in this order: max_depth before alpha, which is not a penalty in gradient boosting).
VALIDATION_PARAMS: dict[str, list[Any]] = {
    "C": [0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0],
    "max_depth": [1, 2, 3, 4, 6, 8, 12],
    "n_neighbors": [1, 3, 5, 9, 15, 25],
    "alpha": [0.0001, 0.001, 0.01, 0.1, 1.0, 10.0, 100.0],
}


def default_validation_param(estimator: Any) -> tuple[str, list[Any]] | None:
    """The parameter a validation curve sweeps for ``estimator`` and its range, if one is known."""
    get_params = getattr(estimator, "get_params", None)
    if not callable(get_params):
        return None
    params = get_params()
    final = getattr(estimator, "steps", None)
    prefix = f"{final[-1][0]}__" if final else ""
    for name, values in VALIDATION_PARAMS.items():
        if prefix + name in params:
            return prefix + name, values
    return None


def _columns(result: Result) -> Any:
    return None if result.split is None else list(result.split.x_test.columns)


def _all_rows(result: Result) -> tuple[pd.DataFrame, pd.Series]:
    import pandas as pd

    assert result.split is not None
    s = result.split
    return pd.concat([s.x_train, s.x_test]), pd.concat([s.y_train, s.y_test])


def sampled_rows(result: Result, rows: str) -> int:
    """How many rows of ``result`` a plot that computes on ``rows`` (see :class:`Sampling`) has."""
    if rows == "predictions" or result.split is None:
        return len(result.predictions.y_true)
    if rows == "test":
        return len(result.split.x_test)
    return len(result.split.x_train) + len(result.split.x_test)


def sample_positions(y: Any, max_rows: int | None, *, stratify: bool) -> np.ndarray:
    """The positions of at most ``max_rows`` of the rows labelled ``y``, in order.

    Every row when there are no more than ``max_rows`` (or ``max_rows`` is
    None); otherwise a sample seeded with :data:`SAMPLE_SEED`, stratified on
    ``y`` when ``stratify`` (a classifier's labels) and every class has two rows.
    """
    import numpy as np
    from sklearn.model_selection import train_test_split

    everything = np.arange(len(y))
    if max_rows is None or len(y) <= max_rows:
        return everything
    if max_rows < 1:
        raise PlotError(f"max_rows must be at least 1, not {max_rows}")
    try:
        kept, _ = train_test_split(
            everything,
            train_size=max_rows,
            random_state=SAMPLE_SEED,
            stratify=np.asarray(y) if stratify else None,
        )
    except ValueError:  # a class too rare (or too many classes) to stratify on: a plain sample
        kept, _ = train_test_split(everything, train_size=max_rows, random_state=SAMPLE_SEED)
    return np.sort(kept)


def _take(values: Any, positions: np.ndarray) -> Any:
    return values.iloc[positions] if hasattr(values, "iloc") else values[positions]


def _sample(result: Result, x: Any, y: Any, max_rows: int | None) -> tuple[Any, Any]:
    positions = sample_positions(y, max_rows, stratify=result.task == "classification")
    if len(positions) == len(y):
        return x, y
    return _take(x, positions), _take(y, positions)


def spread(values: Any, count: int | None) -> list[Any]:
    """At most ``count`` of ``values``, evenly spaced from the first to the last."""
    import numpy as np

    values = list(values)
    if count is None or len(values) <= count:
        return values
    if count < 2:
        raise PlotError(f"max_values must be at least 2 (the two ends of the range), not {count}")
    picked = np.unique(np.linspace(0, len(values) - 1, count).round().astype(int))
    return [values[i] for i in picked]


# The built-in plots. Each draw function feeds one function of modelyard.plots.


def _confusion_matrix(
    result: Result,
    *,
    normalize: str | None = None,
    threshold: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    from modelyard.plots import classification

    p = result.predictions
    if threshold is None:
        return classification.plot_confusion_matrix(
            p.y_true, p.y_pred, normalize=normalize, labels=p.classes, ax=ax
        )
    if p.y_proba is None or p.y_proba.shape[1] != 2:
        raise PlotError(
            "a threshold applies to a binary classifier's predicted probabilities; "
            "this one has none or more than two classes, so leave threshold out"
        )
    return classification.plot_confusion_matrix(
        p.y_true,
        y_score=p.y_proba,
        threshold=threshold,
        normalize=normalize,
        labels=p.classes,
        ax=ax,
    )


def _probability_plot(function_name: str) -> Callable[..., Axes]:
    def draw(result: Result, *, ax: Axes | None = None, **options: Any) -> Axes:
        from modelyard.plots import classification

        p = result.predictions
        function = getattr(classification, function_name)
        return function(p.y_true, p.y_proba, classes=p.classes, ax=ax, **options)

    return draw


def _regression_plot(function_name: str) -> Callable[..., Axes]:
    def draw(result: Result, *, ax: Axes | None = None) -> Axes:
        from modelyard.plots import regression

        p = result.predictions
        return getattr(regression, function_name)(p.y_true, p.y_pred, ax=ax)

    return draw


def _feature_importance(result: Result, *, top_n: int = 20, ax: Axes | None = None) -> Axes:
    from modelyard.plots import importance

    return importance.plot_feature_importance(
        result.fitted_estimator, feature_names=_columns(result), top_n=top_n, ax=ax
    )


def _calibration_curve(
    result: Result, *, n_bins: int = 10, max_rows: int | None = None, ax: Axes | None = None
) -> Axes:
    from modelyard.plots import classification

    p = result.predictions
    assert p.y_proba is not None
    positions = sample_positions(p.y_true, max_rows, stratify=True)
    return classification.plot_calibration_curve(
        p.y_true[positions], p.y_proba[positions], classes=p.classes, n_bins=n_bins, ax=ax
    )


def _permutation_importance(
    result: Result,
    *,
    n_repeats: int = 5,
    top_n: int = 20,
    max_rows: int | None = None,
    n_jobs: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    from modelyard.plots import importance

    assert result.split is not None
    x, y = _sample(result, result.split.x_test, result.split.y_test, max_rows)
    return importance.plot_permutation_importance(
        result.fitted_estimator, x, y, n_repeats=n_repeats, top_n=top_n, n_jobs=n_jobs, ax=ax
    )


def _learning_curve(
    result: Result,
    *,
    cv: int = 5,
    train_sizes: Any = None,
    max_rows: int | None = None,
    n_jobs: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    from modelyard.plots import curves

    x, y = _sample(result, *_all_rows(result), max_rows)
    sizes = {} if train_sizes is None else {"train_sizes": train_sizes}
    return curves.plot_learning_curve(
        result.fitted_estimator, x, y, cv=cv, n_jobs=n_jobs, ax=ax, **sizes
    )


def _validation_curve(
    result: Result,
    param_name: str | None = None,
    param_range: Any = None,
    *,
    cv: int = 5,
    max_values: int | None = None,
    max_rows: int | None = None,
    n_jobs: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    from modelyard.plots import curves

    if param_name is None:
        found = default_validation_param(result.fitted_estimator)
        assert found is not None
        param_name, param_range = found
    if param_range is None:
        raise PlotError(f"give param_range, the values of {param_name} to try")
    x, y = _sample(result, *_all_rows(result), max_rows)
    return curves.plot_validation_curve(
        result.fitted_estimator,
        x,
        y,
        param_name=param_name,
        param_range=spread(param_range, max_values),
        cv=cv,
        n_jobs=n_jobs,
        ax=ax,
    )


def _validation_default(
    result: Result, param_name: str | None = None, *args: Any, **options: Any
) -> str | None:
    if param_name is None and default_validation_param(result.fitted_estimator) is None:
        return "validation_curve needs param_name and param_range for this estimator"
    return None


def _target_association(result: Result, *, ax: Axes | None = None) -> Axes:
    from modelyard.plots import dataset

    x, y = _all_rows(result)
    return dataset.plot_target_association(x, y, ax=ax)


def _missing_data(result: Result, *, ax: Axes | None = None) -> Axes:
    from modelyard.plots import dataset

    x, _ = _all_rows(result)
    return dataset.plot_missing_data(x, ax=ax)


_CLASSIFIER = ("classification",)
_REGRESSOR = ("regression",)
_PROBA = frozenset({"proba"})
# Learning and validation curves refit the model per fold, so the report uses three folds.
_MODEL = frozenset({"estimator", "data", "refit"})
#: The most rows the report's fast mode refits the curves on and permutes for importance.
#: With 2 folds, 3 sizes and 3 parameter values that is 12 fits on at most half of it: on
#: 50,000 rows a fraction of one fit on the 37,500 training rows. Fewer rows save little
#: more: a forest's refit then costs mostly its per-tree overhead (benchmarks/report).
FAST_ROWS = 1_000
#: The most predictions the fast mode bins for the calibration curve (cheap; bounded all the same).
FAST_PREDICTIONS = 20_000

for _spec in (
    PlotSpec("confusion_matrix", "Confusion matrix", _confusion_matrix, _CLASSIFIER),
    PlotSpec("roc_curve", "ROC curve", _probability_plot("plot_roc_curve"), _CLASSIFIER, _PROBA),
    PlotSpec(
        "pr_curve",
        "Precision-recall curve",
        _probability_plot("plot_pr_curve"),
        _CLASSIFIER,
        _PROBA,
    ),
    PlotSpec(
        "threshold_curve",
        "Precision, recall and F1 against the threshold",
        _probability_plot("plot_threshold_curve"),
        _CLASSIFIER,
        frozenset({"proba", "binary"}),
    ),
    PlotSpec("lift_curve", "Lift curve", _probability_plot("plot_lift_curve"), _CLASSIFIER, _PROBA),
    PlotSpec(
        "calibration_curve",
        "Calibration curve",
        _calibration_curve,
        _CLASSIFIER,
        _PROBA,
        sampling=Sampling("predictions", {"max_rows": FAST_PREDICTIONS}),
    ),
    PlotSpec(
        "prediction_error",
        "Prediction error",
        _regression_plot("plot_prediction_error"),
        _REGRESSOR,
    ),
    PlotSpec("residuals", "Residuals", _regression_plot("plot_residuals"), _REGRESSOR),
    PlotSpec(
        "feature_importance",
        "Feature importance",
        _feature_importance,
        needs=frozenset({"estimator", "importances"}),
    ),
    PlotSpec(
        "permutation_importance",
        "Permutation importance (test split)",
        _permutation_importance,
        needs=frozenset({"estimator", "data"}),
        report_options={"n_repeats": 5},
        sampling=Sampling(
            "test", {"max_rows": FAST_ROWS, "n_repeats": 3}, parallel=True, cost=_shuffles
        ),
    ),
    PlotSpec(
        "learning_curve",
        "Learning curve",
        _learning_curve,
        needs=_MODEL,
        report_options={"cv": 3},
        sampling=Sampling(
            "all",
            {"max_rows": FAST_ROWS, "cv": 2, "train_sizes": (0.2, 0.6, 1.0)},
            parallel=True,
            cost=_refits("train_sizes"),
        ),
    ),
    PlotSpec(
        "validation_curve",
        "Validation curve",
        _validation_curve,
        needs=_MODEL,
        report_options={"cv": 3},
        check=_validation_default,
        sampling=Sampling(
            "all",
            {"max_rows": FAST_ROWS, "cv": 2, "max_values": 3},
            parallel=True,
            cost=_refits("max_values"),
        ),
    ),
    PlotSpec(
        "target_association",
        "Association of the features with the target",
        _target_association,
        needs=frozenset({"data"}),
        on_result=False,
    ),
    PlotSpec(
        "missing_data", "Missing values", _missing_data, needs=frozenset({"data"}), on_result=False
    ),
):
    register(_spec)
del _spec
