"""The prediction path: rows already validated against the schema, straight to the estimator.

Whether the estimator can take a plain NumPy array is decided once, at start-up,
by a probe: a pipeline that selects columns by name (a ColumnTransformer) needs
a DataFrame, most others give the same answer for an array in training column
order and skip building a DataFrame on every request.
"""

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from modelyard.model import Model
from modelyard.schema import FeatureSchema

logger = logging.getLogger("modelyard.serving")

_DTYPES = {"integer": np.int64, "number": np.float64, "boolean": np.bool_, "string": object}
#: scikit-learn's warning when an array reaches an estimator fitted on a DataFrame. The probe
#: proved the column order matches, so on the array path the warning says nothing useful.
_NAMES_WARNING = "X does not have valid feature names"


class Predictor:
    """Predictions (and probabilities) for rows given as lists in training column order."""

    def __init__(self, model: Model):
        assert model.schema is not None
        self.estimator = model.estimator
        self.schema: FeatureSchema = model.schema
        self.classes = model.classes
        self.has_probabilities = model.is_classifier and callable(
            getattr(model.estimator, "predict_proba", None)
        )
        self._names = model.schema.names
        self._dtypes = [_DTYPES[f.kind] for f in model.schema.features]
        self.uses_arrays = self._arrays_give_the_same_answers()
        if self.uses_arrays:
            warnings.filterwarnings("ignore", message=_NAMES_WARNING, category=UserWarning)
        logger.debug("prediction input: %s", "NumPy arrays" if self.uses_arrays else "DataFrames")

    def predict(self, rows: list[list[Any]], probabilities: bool = False) -> dict[str, Any]:
        """``{"predictions": [...]}``, plus ``"probabilities"`` when asked and available."""
        X = self._input(rows)
        answer: dict[str, Any] = {"predictions": self.estimator.predict(X).tolist()}
        if probabilities:
            answer["probabilities"] = self.estimator.predict_proba(X).tolist()
        return answer

    def _input(self, rows: list[list[Any]]) -> Any:
        if self.uses_arrays:
            return np.array(rows, dtype=np.float64)
        columns = list(zip(*rows))
        return pd.DataFrame(
            {
                name: np.array(values, dtype=dtype)
                for name, values, dtype in zip(self._names, columns, self._dtypes)
            }
        )

    def _arrays_give_the_same_answers(self) -> bool:
        """Whether an array in column order gets the same answers as a DataFrame."""
        if any(f.kind == "string" for f in self.schema.features):
            return False
        rows = [_probe_row(self.schema, offset) for offset in (0, 1)]
        array = np.array(rows, dtype=np.float64)
        self.uses_arrays = False
        frame = self._input(rows)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=_NAMES_WARNING)
                same = _equal(self.estimator.predict(array), self.estimator.predict(frame))
                if same and self.has_probabilities:
                    same = _equal(
                        self.estimator.predict_proba(array), self.estimator.predict_proba(frame)
                    )
        except Exception:  # any failure on an array means: keep DataFrames
            return False
        return same


def _probe_row(schema: FeatureSchema, offset: int) -> list[Any]:
    """A row with a different value in every column, so a column mix-up changes the answer."""
    values: list[Any] = []
    for i, feature in enumerate(schema.features):
        if feature.kind == "boolean":
            values.append((i + offset) % 2 == 0)
        elif feature.kind == "integer":
            values.append(i + 1 + offset)
        else:
            values.append((i + 1) * 0.37 + offset)
    return values


def _equal(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))
    return bool((a == b).all())
