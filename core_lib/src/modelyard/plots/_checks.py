"""Input checks shared by the plot functions: arrays of one length, scores of a known shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from modelyard.exceptions import PlotError


def same_length(**arrays: Any) -> list[np.ndarray]:
    """The arrays as numpy arrays, after checking they are non-empty and of one length."""
    out = [np.asarray(a) for a in arrays.values()]
    lengths = {name: len(a) for name, a in zip(arrays, out, strict=True)}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise PlotError(f"the arrays must have one row per sample, but {shown}")
    if not out or len(out[0]) == 0:
        raise PlotError(f"nothing to plot: {', '.join(arrays)} are empty")
    return out


@dataclass(frozen=True)
class Scores:
    """Class scores normalised for one-vs-rest plots.

    Attributes:
        y_true: the true labels.
        scores: one column per class (binary: only the positive class's column).
        classes: the class of each column.
    """

    y_true: np.ndarray
    scores: np.ndarray
    classes: np.ndarray

    @property
    def binary(self) -> bool:
        """Whether this is a two-class problem (one column, the positive class)."""
        return self.scores.shape[1] == 1

    def hits(self, column: int) -> np.ndarray:
        """Whether each sample belongs to the class of ``column`` (0/1)."""
        return (self.y_true == self.classes[column]).astype(int)


def class_scores(y_true: Any, y_score: Any, classes: Any = None) -> Scores:
    """Normalise scores: a 1-D positive-class score, or one column per class.

    ``classes`` names the columns of a 2-D ``y_score`` (the estimator's
    ``classes_``); by default the sorted labels of ``y_true``. For two classes
    the second one is the positive class.
    """
    y_true, y_score = same_length(y_true=y_true, y_score=y_score)
    if not np.issubdtype(y_score.dtype, np.number):
        raise PlotError(f"y_score must be numbers (scores or probabilities), not {y_score.dtype}")
    if not np.isfinite(y_score).all():
        raise PlotError(
            f"y_score has {int((~np.isfinite(y_score)).sum())} missing or infinite values; "
            "every sample needs a score"
        )
    known = np.unique(y_true) if classes is None else np.asarray(classes)
    if y_score.ndim == 1 or (y_score.ndim == 2 and y_score.shape[1] == 1):
        if len(known) != 2:
            raise PlotError(
                f"a 1-D y_score is the positive class's score of a binary problem, but y_true "
                f"has {len(known)} classes; pass one column of scores per class"
            )
        return Scores(y_true, y_score.reshape(-1, 1).astype(float), known[1:])
    if y_score.ndim != 2:
        raise PlotError(f"y_score must be 1-D or 2-D, not {y_score.ndim}-D")
    if y_score.shape[1] != len(known):
        raise PlotError(
            f"y_score has {y_score.shape[1]} columns but there are {len(known)} classes "
            f"({', '.join(map(str, known))}); pass classes= in the order of the columns"
        )
    if len(known) == 2:
        return Scores(y_true, y_score[:, 1:].astype(float), known[1:])
    return Scores(y_true, y_score.astype(float), known)
