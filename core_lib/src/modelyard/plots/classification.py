"""Classifier plots: ROC, precision-recall, lift, calibration, threshold, confusion matrix.

Scores are a 1-D positive-class score for a binary problem, or one column per
class (``predict_proba``'s output) for any number of classes; ``classes`` names
those columns (the estimator's ``classes_``, by default the sorted labels of
``y_true``). With more than two classes, ROC, precision-recall and lift draw one
curve per class (one-vs-rest) plus the micro and macro averages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from modelyard.exceptions import PlotError
from modelyard.plots._checks import Scores, class_scores, same_length
from modelyard.plots.style import REFERENCE, colour, finish, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_NORMALISE = {None: "", "true": "over true labels", "pred": "over predictions", "all": "over all"}


def plot_roc_curve(
    y_true: Any, y_score: Any, *, classes: Any = None, ax: Axes | None = None
) -> Axes:
    """Receiver operating characteristic: true against false positive rate, AUC in the legend.

    >>> from modelyard.plots import plot_roc_curve
    >>> ax = plot_roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> ax.get_title()
    'ROC curve'
    """
    from sklearn.metrics import auc, roc_curve

    scores = class_scores(y_true, y_score, classes)
    ax = new_axes(ax)
    curves = [roc_curve(scores.hits(i), scores.scores[:, i])[:2] for i in _columns(scores)]
    for i, (fpr, tpr) in enumerate(curves):
        ax.plot(fpr, tpr, color=colour(i), label=f"{_name(scores, i)} (AUC {auc(fpr, tpr):.3f})")
    if not scores.binary:
        fpr, tpr = roc_curve(_hits_matrix(scores).ravel(), scores.scores.ravel())[:2]
        ax.plot(fpr, tpr, ":", color="black", label=f"micro average (AUC {auc(fpr, tpr):.3f})")
        grid = np.unique(np.concatenate([fpr for fpr, _ in curves]))
        mean = np.mean([np.interp(grid, fpr, tpr) for fpr, tpr in curves], axis=0)
        ax.plot(grid, mean, "--", color="black", label=f"macro average (AUC {auc(grid, mean):.3f})")
    ax.plot([0, 1], [0, 1], "--", color=REFERENCE, label="chance", linewidth=1)
    _unit_square(ax)
    return finish(ax, "ROC curve", "False positive rate", "True positive rate", legend=True)


def plot_pr_curve(
    y_true: Any, y_score: Any, *, classes: Any = None, ax: Axes | None = None
) -> Axes:
    """Precision against recall, average precision (AP) in the legend."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    scores = class_scores(y_true, y_score, classes)
    ax = new_axes(ax)
    curves = []
    for i in _columns(scores):
        precision, recall, _ = precision_recall_curve(scores.hits(i), scores.scores[:, i])
        ap = average_precision_score(scores.hits(i), scores.scores[:, i])
        curves.append((recall, precision))
        label = f"{_name(scores, i)} (AP {ap:.3f})"
        ax.plot(recall, precision, color=colour(i), drawstyle="steps-post", label=label)
    if scores.binary:
        rate = scores.hits(0).mean()
        ax.plot([0, 1], [rate, rate], "--", color=REFERENCE, label="chance", linewidth=1)
    else:
        hits = _hits_matrix(scores)
        precision, recall, _ = precision_recall_curve(hits.ravel(), scores.scores.ravel())
        ap = average_precision_score(hits, scores.scores, average="micro")
        ax.plot(recall, precision, ":", color="black", label=f"micro average (AP {ap:.3f})")
        grid = np.linspace(0, 1, 101)
        # recall falls along each curve; np.interp wants it rising
        mean = np.mean([np.interp(grid, r[::-1], p[::-1]) for r, p in curves], axis=0)
        ap = average_precision_score(hits, scores.scores, average="macro")
        ax.plot(grid, mean, "--", color="black", label=f"macro average (AP {ap:.3f})")
    _unit_square(ax)
    return finish(ax, "Precision-recall curve", "Recall", "Precision", legend=True)


def plot_lift_curve(
    y_true: Any, y_score: Any, *, classes: Any = None, ax: Axes | None = None
) -> Axes:
    """Lift: how much richer in positives the top-scored share of samples is than the whole.

    At a share ``x`` of the samples taken in order of falling score, the lift is
    the positive rate among them divided by the positive rate overall.
    """
    scores = class_scores(y_true, y_score, classes)
    ax = new_axes(ax)
    lifts = []
    for i in _columns(scores):
        share, lift = lift_values(scores.hits(i), scores.scores[:, i], name=_name(scores, i))
        lifts.append(lift)
        ax.plot(share, lift, color=colour(i), label=_name(scores, i))
    if not scores.binary:
        share, lift = lift_values(_hits_matrix(scores).ravel(), scores.scores.ravel())
        ax.plot(share, lift, ":", color="black", label="micro average")
        grid = np.arange(1, len(scores.y_true) + 1) / len(scores.y_true)
        ax.plot(grid, np.mean(lifts, axis=0), "--", color="black", label="macro average")
    ax.axhline(1, linestyle="--", color=REFERENCE, label="no lift", linewidth=1)
    ax.set_xlim(0, 1)
    return finish(ax, "Lift curve", "Share of samples, by falling score", "Lift", legend=True)


def lift_values(hits: Any, score: Any, *, name: str = "the positive class") -> tuple[Any, Any]:
    """The share of samples taken and the lift at each share, in order of falling score."""
    hits, score = np.asarray(hits), np.asarray(score)
    if hits.sum() == 0:
        raise PlotError(f"y_true has no samples of {name}, so its lift is undefined")
    taken = np.arange(1, len(hits) + 1)
    found = np.cumsum(hits[np.argsort(-score, kind="stable")])
    return taken / len(hits), (found / taken) / hits.mean()


def plot_calibration_curve(
    y_true: Any,
    y_proba: Any,
    *,
    classes: Any = None,
    n_bins: int = 10,
    ax: Axes | None = None,
) -> Axes:
    """Observed share of positives against the mean predicted probability, per bin."""
    from sklearn.calibration import calibration_curve

    scores = class_scores(y_true, y_proba, classes)
    if scores.scores.min() < 0 or scores.scores.max() > 1:
        raise PlotError("a calibration curve needs probabilities between 0 and 1 (predict_proba)")
    ax = new_axes(ax)
    for i in _columns(scores):
        observed, predicted = calibration_curve(scores.hits(i), scores.scores[:, i], n_bins=n_bins)
        ax.plot(predicted, observed, "o-", color=colour(i), label=_name(scores, i))
    ax.plot([0, 1], [0, 1], "--", color=REFERENCE, label="perfectly calibrated", linewidth=1)
    _unit_square(ax)
    return finish(
        ax, "Calibration curve", "Mean predicted probability", "Share of positives", legend=True
    )


def plot_threshold_curve(
    y_true: Any, y_score: Any, *, classes: Any = None, ax: Axes | None = None
) -> Axes:
    """Precision, recall and F1 of a binary classifier against its decision threshold."""
    from sklearn.metrics import precision_recall_curve

    scores = class_scores(y_true, y_score, classes)
    if not scores.binary:
        raise PlotError(
            f"a threshold curve is for binary classifiers, but there are {len(scores.classes)} "
            "classes; use plot_pr_curve for one curve per class"
        )
    precision, recall, thresholds = precision_recall_curve(scores.hits(0), scores.scores[:, 0])
    precision, recall = precision[:-1], recall[:-1]
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
    ax = new_axes(ax)
    ax.plot(thresholds, precision, color=colour(0), label="precision")
    ax.plot(thresholds, recall, color=colour(1), label="recall")
    ax.plot(thresholds, f1, color=colour(2), label="F1")
    best = int(np.argmax(f1))
    ax.axvline(
        thresholds[best],
        linestyle="--",
        color=REFERENCE,
        linewidth=1,
        label=f"best F1 at {thresholds[best]:.3f}",
    )
    ax.set_ylim(0, 1.02)
    return finish(ax, "Threshold curve", "Decision threshold", "Score", legend=True)


def plot_confusion_matrix(
    y_true: Any,
    y_pred: Any = None,
    *,
    y_score: Any = None,
    threshold: float | None = None,
    normalize: str | None = None,
    labels: Any = None,
    ax: Axes | None = None,
) -> Axes:
    """Counts of true against predicted labels, from labels or from binary scores and a threshold.

    Args:
        y_true: the true labels.
        y_pred: the predicted labels; or give ``y_score`` instead.
        y_score: positive-class scores of a binary classifier (1-D, or predict_proba's
            two columns); a sample is predicted positive when its score is at least
            ``threshold``.
        threshold: the decision threshold for ``y_score`` (default 0.5).
        normalize: None for counts, or ``"true"``, ``"pred"``, ``"all"`` for shares
            over each true label, each predicted label, or all samples.
        labels: the labels, in the order of the rows and columns; by default the
            sorted labels found in ``y_true`` and the predictions.
        ax: the Axes to draw on; a new figure's when None.
    """
    from sklearn.metrics import confusion_matrix

    if normalize not in _NORMALISE:
        raise PlotError(f"normalize must be None, 'true', 'pred' or 'all', not {normalize!r}")
    if (y_pred is None) == (y_score is None):
        raise PlotError("give either y_pred (labels) or y_score (binary scores), not both")
    if y_score is not None:
        known = np.unique(np.asarray(y_true)) if labels is None else np.asarray(labels)
        y_pred = _thresholded(class_scores(y_true, y_score, known), known, threshold)
    elif threshold is not None:
        raise PlotError("threshold applies to y_score; y_pred is already labels")
    y_true, y_pred = same_length(y_true=y_true, y_pred=y_pred)
    labels = np.unique(np.concatenate([y_true, y_pred])) if labels is None else np.asarray(labels)
    matrix = confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize)
    ax = new_axes(ax)
    ax.imshow(matrix, cmap="Blues", vmin=0)
    _annotate(ax, matrix, counts=normalize is None)
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, [str(label) for label in labels])
    ax.set_yticks(ticks, [str(label) for label in labels])
    title = "Confusion matrix"
    if y_score is not None:
        title += f" at threshold {0.5 if threshold is None else threshold:g}"
    if normalize:
        title += f"\n(shares {_NORMALISE[normalize]})"
    finish(ax, title, "Predicted label", "True label")
    ax.grid(False)
    return ax


def _thresholded(scores: Scores, known: np.ndarray, threshold: float | None) -> np.ndarray:
    if not scores.binary:
        raise PlotError("y_score with a threshold is for binary classifiers; pass y_pred instead")
    cut = 0.5 if threshold is None else threshold
    return np.where(scores.scores[:, 0] >= cut, known[1], known[0])


def _annotate(ax: Axes, matrix: np.ndarray, *, counts: bool) -> None:
    middle = matrix.max() / 2 if matrix.size else 0
    for (row, col), value in np.ndenumerate(matrix):
        text = f"{int(value)}" if counts else f"{value:.2f}"
        ax.text(
            col, row, text, ha="center", va="center", color="white" if value > middle else "black"
        )


def _columns(scores: Scores) -> range:
    return range(scores.scores.shape[1])


def _name(scores: Scores, column: int) -> str:
    return f"class {scores.classes[column]}"


def _hits_matrix(scores: Scores) -> np.ndarray:
    return np.column_stack([scores.hits(i) for i in _columns(scores)])


def _unit_square(ax: Axes) -> None:
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.02)
