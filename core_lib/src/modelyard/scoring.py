"""The scoring core shared by batch (:mod:`modelyard.batch`) and partitioned prediction.

Both check a model once before any row is read (:func:`ready_model`), then add
the same columns to each chunk or partition (:func:`add_predictions`): the
prediction under :data:`PREDICTION_COLUMN` and, when asked, one
``probability_<class>`` column per class (:func:`probability_columns`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from modelyard.exceptions import ModelyardError

if TYPE_CHECKING:
    import pandas as pd

    from modelyard.model import Model

#: Name of the column holding each row's prediction.
PREDICTION_COLUMN = "prediction"


def ready_model(model: Model | str | Path, *, probabilities: bool = False) -> Model:
    """``model`` (loaded first if it names a saved model), once it is known to be able to score.

    Raises:
        ModelyardError: the model is not trained, or probabilities are asked of
            an estimator that has no ``predict_proba``.
    """
    from modelyard.model import Model

    if not isinstance(model, Model):
        from modelyard.loading import load_model

        model = load_model(model)
    if model.schema is None:
        raise ModelyardError("only a trained model can predict; train or load it first")
    if probabilities and not callable(getattr(model.estimator, "predict_proba", None)):
        raise ModelyardError(f"{model} gives no probabilities; leave out --probabilities")
    return model


def probability_columns(model: Model) -> list[str]:
    """The names of the probability columns, one per class, in the order of ``model.classes``."""
    return [f"probability_{label}" for label in model.classes or []]


def add_predictions(
    frame: pd.DataFrame,
    model: Model,
    *,
    probabilities: bool = False,
    column: str = PREDICTION_COLUMN,
) -> pd.DataFrame:
    """Add the predictions (and probabilities) of ``frame``'s rows to ``frame``, and return it.

    The model's feature columns are checked against its schema first; other
    columns (ids, say) stay as they are. ``frame`` is changed in place: pass a
    copy if it is not the caller's own.

    Raises:
        SchemaError: a feature column is missing or wrongly typed.
        ValueError, TypeError: the estimator failed on these rows (the caller
            says where they came from).
    """
    assert model.schema is not None, "call ready_model first"
    X = model.schema.validate(frame[model.schema.names])
    frame[column] = model.estimator.predict(X)
    if probabilities:
        scores = model.estimator.predict_proba(X)
        names = probability_columns(model) or [f"probability_{i}" for i in range(scores.shape[1])]
        for index, name in enumerate(names):
            frame[name] = scores[:, index]
    return frame
