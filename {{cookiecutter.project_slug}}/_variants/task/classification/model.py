"""The model: an estimator wrapped in a modelyard Model.

``modelyard train``, ``score`` and ``serve`` call :func:`build_model` (it is named
in pyproject.toml under ``[tool.modelyard]``). Change the estimator here; the
training, scoring, saving and serving around it stay the same.
"""

from __future__ import annotations

from modelyard import Model
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from {{ cookiecutter.package_name }}.features import preprocessing


def build_model() -> Model:
    """Return the untrained model: imputation and encoding, then a logistic regression."""
    estimator = make_pipeline(preprocessing(), LogisticRegression(max_iter=1000))
    return Model(estimator)
