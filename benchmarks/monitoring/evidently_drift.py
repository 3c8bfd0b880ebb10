"""Evidently's data-drift report on two Parquet files; each column's verdict as JSON.

    python evidently_drift.py REFERENCE CURRENT OUTPUT

Runs in Evidently's own venv (``.venv-evidently``), as a team using it would:
both tables read whole with pandas, ``Report([DataDriftPreset()])`` with its
default per-column methods and thresholds (for more than 1,000 reference rows:
the normed Wasserstein distance for numbers, the Jensen-Shannon distance for
categories, both with threshold 0.1).
"""

import json
import sys

import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset

reference_path, current_path, output = sys.argv[1:4]
reference = pd.read_parquet(reference_path).drop(columns="label")
current = pd.read_parquet(current_path)
snapshot = Report([DataDriftPreset()]).run(current_data=current, reference_data=reference)
verdicts = {}
for metric in snapshot.dict()["metrics"]:
    config = metric["config"]
    if not config["type"].endswith("ValueDrift"):
        continue
    method, threshold, score = config["method"], config["threshold"], metric["value"]
    # A p-value drifts below its threshold, a distance at or above it.
    drift = score < threshold if "p_value" in method else score >= threshold
    verdicts[config["column"]] = {
        "drift": bool(drift),
        "method": method,
        "score": float(score),
        "threshold": float(threshold),
    }
with open(output, "w") as file:
    json.dump(verdicts, file)
