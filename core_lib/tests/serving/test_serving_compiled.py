"""Over a socket: a server whose model has a proven ONNX graph says so, and answers as
scikit-learn does, nulls included."""

from __future__ import annotations

import json
import math
import time
import urllib.request

import numpy as np
import pytest

from modelyard import load_model
from modelyard.compiled import TOLERANCE

pytest.importorskip("skl2onnx")
pytest.importorskip("onnxruntime")


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{url}/predict", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _path_logged(process) -> str:
    """The prediction path named by the server's log line, once the model has loaded."""
    for _ in range(50):
        for line in list(process.output):
            if line.startswith("{") and "prediction path" in line:
                return json.loads(line)["message"]
        time.sleep(0.1)
    raise AssertionError(f"no prediction path logged: {''.join(process.output)}")


def test_the_server_logs_the_onnx_path_and_answers_as_scikit_learn(
    trained_penguins, penguins, start_server
):
    saved = str(trained_penguins.save("models"))
    rows = penguins.x[penguins.x.isna().any(axis=1)]
    body = {
        "rows": [
            {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
            for row in rows.to_dict(orient="records")
        ],
        "probabilities": True,
    }
    url, process = start_server("-m", "modelyard.cli", "serve", saved)

    answer = _post(url, body)

    assert _path_logged(process).startswith("prediction path: onnx")
    estimator = load_model(saved).estimator
    assert answer["predictions"] == estimator.predict(rows).tolist()
    difference = np.abs(np.array(answer["probabilities"]) - estimator.predict_proba(rows))
    assert difference.max() <= TOLERANCE
