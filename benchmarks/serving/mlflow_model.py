"""Run in the MLflow venv: save a modelyard version's estimator as an MLflow model.

    python mlflow_model.py MODEL_SKOPS OUTPUT_DIR

The estimator is read from the very file modelyard serves, so both servers
answer with the same fitted model.
"""

import sys

import mlflow.sklearn
import skops.io

source, target = sys.argv[1], sys.argv[2]
estimator = skops.io.load(source, trusted=skops.io.get_untrusted_types(file=source))
mlflow.sklearn.save_model(
    estimator,
    target,
    serialization_format="skops",
    # MLflow refuses to load a forest back without naming its tree type as trusted.
    skops_trusted_types=["sklearn.tree._tree.Tree"],
)
