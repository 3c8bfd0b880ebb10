"""The model: an estimator wrapped in a modelyard Model.

``modelyard train``, ``score`` and ``serve`` call :func:`build_model` (it is named
in pyproject.toml under ``[tool.modelyard]``). Change the estimator here; the
training, scoring, saving and serving around it stay the same.
"""

from __future__ import annotations

from modelyard import Model
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def build_model() -> Model:
    """Return the untrained model: a ridge regression on standardised features."""
    estimator = make_pipeline(StandardScaler(), Ridge(alpha=1.0))
    return Model(estimator)
