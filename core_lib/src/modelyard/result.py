"""Result: what scoring a model found, kept with the data behind it."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard.exceptions import ModelyardError
from modelyard.metrics import Predictions

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from modelyard.data.dataset import Split
    from modelyard.plots.accessors import ResultPlots

#: Metrics where a lower value is better; :class:`ResultGroup` sorts them rising.
LOWER_IS_BETTER = frozenset({"rmse", "mae"})


@dataclass(frozen=True)
class Result:
    """The holdout metrics of one scoring run.

    Attributes:
        model_name: name of the scored model.
        estimator: class name of the scored estimator.
        task: ``"classification"`` or ``"regression"``.
        metrics: metric name to value, in the order they were asked for.
        n_train: rows the model was fitted on (with cross-validation, per fold).
        n_test: rows the metrics were computed on (with cross-validation, per
            fold; ``n_train + n_test`` is then every row).
        predictions: the test labels and the model's predictions, for plots
            (with cross-validation: every row's out-of-fold prediction).
        std: with cross-validation, the standard deviation of each metric over
            the folds (``metrics`` then holds the means); empty otherwise.
        cv: number of cross-validation folds, or 0 for one holdout split.
        fitted_estimator: a copy of the estimator as fitted on the training
            split, for importances and learning curves (training the model
            afterwards does not change it).
        split: the train/test split scored, for permutation importance and
            learning and validation curves.
        run_record: the run record written for this scoring run, if one was.
    """

    model_name: str
    estimator: str
    task: str
    metrics: dict[str, float]
    n_train: int
    n_test: int
    predictions: Predictions = field(repr=False, compare=False)
    std: dict[str, float] = field(default_factory=dict)
    cv: int = 0
    fitted_estimator: Any = field(default=None, repr=False, compare=False)
    split: Split | None = field(default=None, repr=False, compare=False)
    run_record: Path | None = field(default=None, repr=False, compare=False)

    @property
    def plot(self) -> ResultPlots:
        """The plots that fit this result, such as ``result.plot.roc_curve()``.

        See :class:`~modelyard.plots.accessors.ResultPlots`; matplotlib is
        imported on the first plot.
        """
        from modelyard.plots.accessors import ResultPlots

        return ResultPlots(self)

    def report(
        self,
        path: Path | str,
        *,
        plots: Iterable[str] | None = None,
        mode: str = "fast",
        n_jobs: int = 1,
        max_rows: int | None = None,
        budget: float | None = None,
        quiet: bool = False,
    ) -> Path:
        """Write a self-contained HTML report of this result to ``path``; returns the path.

        ``mode="fast"`` (the default) computes the costly plots on a bounded
        sample, ``"full"`` on every row; a fast report with a ``budget`` (seconds)
        leaves out the costly plots that do not fit it. See
        :func:`modelyard.report.write_report`.
        """
        from modelyard.report import write_report

        return write_report(
            self,
            path,
            plots=plots,
            mode=mode,
            n_jobs=n_jobs,
            max_rows=max_rows,
            budget=budget,
            quiet=quiet,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready summary written into run records (predictions left out)."""
        return {
            "model_name": self.model_name,
            "estimator": self.estimator,
            "task": self.task,
            "metrics": dict(self.metrics),
            "n_train": self.n_train,
            "n_test": self.n_test,
            "std": dict(self.std),
            "cv": self.cv,
        }

    def __str__(self) -> str:
        width = max(len(name) for name in self.metrics)
        if self.cv:
            lines = [
                f"{self.model_name} ({self.estimator}), {self.cv}-fold cross-validation, "
                f"{self.n_train} training and {self.n_test} test rows per fold"
            ]
            lines += [
                f"  {name:<{width}}  {value:.4f} ± {self.std.get(name, 0.0):.4f}"
                for name, value in self.metrics.items()
            ]
            return "\n".join(lines)
        lines = [f"{self.model_name} ({self.estimator}), {self.n_test} test rows"]
        lines += [f"  {name:<{width}}  {value:.4f}" for name, value in self.metrics.items()]
        return "\n".join(lines)


class ResultGroup:
    """Several results of one task, best first by one metric, to compare.

    Args:
        results: the results to compare (at least one).
        metric: the metric to sort by; by default the first metric of the first
            result. Higher is better, except for errors (:data:`LOWER_IS_BETTER`).
    """

    def __init__(self, results: Iterable[Result], *, metric: str | None = None) -> None:
        results = list(results)
        if not results:
            raise ModelyardError("a ResultGroup needs at least one Result to compare")
        self.metric = metric or next(iter(results[0].metrics))
        missing = [r.model_name for r in results if self.metric not in r.metrics]
        if missing:
            raise ModelyardError(
                f"cannot sort by {self.metric!r}: it was not measured for {', '.join(missing)}; "
                "choose a metric every result has"
            )
        sign = 1 if self.metric in LOWER_IS_BETTER else -1
        # A metric that could not be computed (NaN) ranks last, whichever way is better.
        self.results = sorted(
            results,
            key=lambda r: (math.isnan(r.metrics[self.metric]), sign * r.metrics[self.metric]),
        )

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[Result]:
        return iter(self.results)

    def __getitem__(self, index: int) -> Result:
        return self.results[index]

    @property
    def best(self) -> Result:
        """The result with the best value of ``metric``."""
        return self.results[0]

    def labels(self) -> list[str]:
        """One label per result, in order: the rank, model name and estimator."""
        return [f"{i}. {r.model_name} ({r.estimator})" for i, r in enumerate(self.results, 1)]

    def to_frame(self) -> pd.DataFrame:
        """One row per result, best first: name, estimator, every metric, rows used."""
        import pandas as pd

        rows = [
            {
                "model_name": r.model_name,
                "estimator": r.estimator,
                **r.metrics,
                "n_train": r.n_train,
                "n_test": r.n_test,
            }
            for r in self.results
        ]
        return pd.DataFrame(rows, index=pd.RangeIndex(1, len(rows) + 1, name="rank"))

    def plot(self, *, metric: str | None = None, ax: Axes | None = None) -> Axes:
        """A bar per result of ``metric`` (default: the group's ``metric``), in rank order."""
        from modelyard.plots.comparison import plot_metric_comparison

        name = metric or self.metric
        missing = [r.model_name for r in self.results if name not in r.metrics]
        if missing:
            raise ModelyardError(f"{name!r} was not measured for {', '.join(missing)}")
        values = [r.metrics[name] for r in self.results]
        return plot_metric_comparison(self.labels(), values, metric=name, ax=ax)

    def __str__(self) -> str:
        return self.to_frame().to_string(float_format=lambda v: f"{v:.4f}")
