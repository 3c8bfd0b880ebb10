"""Run in MLflow's venv: save and load one estimator with mlflow.sklearn, on request.

    python mlflow_worker.py ESTIMATOR_SKOPS

Reads the estimator once, prints ``ready``, then for every line (a new model
folder) on stdin saves the estimator there with ``mlflow.sklearn.save_model``
and loads it back with ``mlflow.sklearn.load_model``, printing one JSON line of
the save and load seconds measured here, so no interpreter start is counted.
MLflow's defaults are used (skops format, pip requirements inferred at save),
except that the tree type is named as trusted: without it MLflow refuses to
load a forest back.
"""

import json
import sys
import time

import mlflow.sklearn
import skops.io

TRUSTED = ["sklearn.tree._tree.Tree"]
source = sys.argv[1]
estimator = skops.io.load(source, trusted=skops.io.get_untrusted_types(file=source))
print("ready", flush=True)
for line in sys.stdin:
    target = line.strip()
    started = time.perf_counter()
    mlflow.sklearn.save_model(estimator, target, skops_trusted_types=TRUSTED)
    saved = time.perf_counter()
    loaded = mlflow.sklearn.load_model(target)
    done = time.perf_counter()
    assert type(loaded) is type(estimator)
    print(json.dumps({"save": saved - started, "load": done - saved}), flush=True)
