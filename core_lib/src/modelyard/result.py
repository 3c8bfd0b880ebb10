"""Result: what scoring a model found, kept with the data behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from modelyard.metrics import Predictions


@dataclass(frozen=True)
class Result:
    """The holdout metrics of one scoring run.

    Attributes:
        model_name: name of the scored model.
        estimator: class name of the scored estimator.
        task: ``"classification"`` or ``"regression"``.
        metrics: metric name to value, in the order they were asked for.
        n_train: rows the model was fitted on.
        n_test: rows the metrics were computed on.
        predictions: the test labels and the model's predictions, for plots
            (with cross-validation: every row's out-of-fold prediction).
        std: with cross-validation, the standard deviation of each metric over
            the folds (``metrics`` then holds the means); empty otherwise.
        cv: number of cross-validation folds, or 0 for one holdout split.
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
            lines = [f"{self.model_name} ({self.estimator}), {self.cv}-fold cross-validation"]
            lines += [
                f"  {name:<{width}}  {value:.4f} ± {self.std.get(name, 0.0):.4f}"
                for name, value in self.metrics.items()
            ]
            return "\n".join(lines)
        lines = [f"{self.model_name} ({self.estimator}), {self.n_test} test rows"]
        lines += [f"  {name:<{width}}  {value:.4f}" for name, value in self.metrics.items()]
        return "\n".join(lines)
