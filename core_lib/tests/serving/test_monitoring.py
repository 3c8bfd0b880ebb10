"""The server watches its inputs: the rolling window, ``GET /monitoring`` and the drift gauges."""

from __future__ import annotations

import json
import urllib.request

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from modelyard.drift import DriftThresholds, ReferenceProfile, sketch_frame, sketch_predictions
from modelyard.exceptions import ConfigError
from modelyard.serving import create_app
from modelyard.serving.monitoring import (
    MonitoringSettings,
    RollingWindow,
    check_settings,
    export_settings,
)

#: Features the drift test moves; every other feature is sent as it was in training.
SHIFTED = {"mean radius": 5.0, "worst texture": 12.0}


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "x": rng.normal(size=5000),
            "n": rng.integers(0, 5, size=5000),
            "colour": rng.choice(["red", "green", "blue"], size=5000),
        }
    )


@pytest.fixture(scope="module")
def profile(reference) -> ReferenceProfile:
    kinds = {"x": "number", "n": "integer", "colour": "category"}
    prediction = sketch_predictions(reference["colour"], "classification")
    return ReferenceProfile(sketch_frame(reference, kinds), prediction)


@pytest.fixture
def rows_like(reference) -> list[list]:
    """Rows as the server gets them: lists in column order, with gaps and unseen values."""
    rows = reference.head(200).astype(object).to_numpy().tolist()
    rows[0][0], rows[1][2], rows[2][2], rows[3][1] = None, "purple", 7, 2.0
    return rows


def call(url: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url + path, data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def gauges(url: str, name: str) -> dict[str, float]:
    with urllib.request.urlopen(url + "/metrics", timeout=60) as response:
        text = response.read().decode()
    (family,) = [f for f in text_string_to_metric_families(text) if f.name == name]
    return {s.labels.get("feature", ""): s.value for s in family.samples}


def send(url: str, frame: pd.DataFrame, batch: int = 50) -> None:
    for start in range(0, len(frame), batch):
        part = frame.iloc[start : start + batch]
        call(url, "/predict", {"columns": list(part.columns), "data": part.to_numpy().tolist()})


def test_window_counts_like_the_sketches(profile, rows_like):
    window = RollingWindow(profile, ["x", "n", "colour"])
    window.add(rows_like, [row[2] for row in rows_like])
    _, counts, prediction, _ = window.snapshot()
    for column, name in enumerate(["x", "n", "colour"]):
        expected = profile.features[name].counts([row[column] for row in rows_like])
        assert counts[name].tolist() == expected.tolist()
    assert prediction.tolist() == profile.prediction.counts([r[2] for r in rows_like]).tolist()


def test_one_large_batch_counts_like_many_small_ones(profile, rows_like):
    large, small = (
        RollingWindow(profile, ["x", "n", "colour"]),
        RollingWindow(profile, ["x", "n", "colour"]),
    )
    large.add(rows_like)
    for row in rows_like:
        small.add([row])

    def counted(window):
        return {name: c.tolist() for name, c in window.snapshot()[1].items()}

    assert counted(large) == counted(small)


def test_window_keeps_at_most_its_rows(profile, rows_like):
    window = RollingWindow(profile, ["x", "n", "colour"], max_rows=100)
    for row in rows_like * 2:
        window.add([row])
    assert 95 <= window.rows <= 100  # old rows leave a bucket (5 rows) at a time
    assert sum(window.snapshot()[1]["x"]) == window.rows


def test_rows_older_than_the_window_leave_it(profile, rows_like):
    now = [0.0]
    window = RollingWindow(profile, ["x", "n", "colour"], max_seconds=60, clock=lambda: now[0])
    window.add(rows_like[:50])
    now[0] = 30.0
    window.add(rows_like[50:60])
    now[0] = 61.0
    assert window.rows == 10


def test_contract_counts_add_up_over_the_window(profile, rows_like):
    window = RollingWindow(profile, ["x", "n", "colour"])
    window.add(rows_like[:1], contract={("x", "out_of_range"): 1})
    window.add(rows_like[:1], contract={("x", "out_of_range"): 2})
    assert window.snapshot()[3] == {("x", "out_of_range"): 3}


def test_thresholds_and_switch_come_from_the_environment():
    settings = MonitoringSettings.from_env(
        {"MODELYARD_MONITORING": "off", "MODELYARD_MONITORING_PSI_DRIFT": "0.5"}
    )
    assert not settings.enabled
    assert settings.thresholds == DriftThresholds(psi_drift=0.5)


def test_training_rows_are_not_flagged(trained_classifier, binary_data):
    with TestClient(create_app(trained_classifier)) as client:
        x = binary_data.x
        for start in range(0, len(x), 100):
            part = x.iloc[start : start + 100]
            client.post("/predict", json={"columns": list(x.columns), "data": part.values.tolist()})
        status = client.get("/monitoring").json()
    assert status["window"]["rows"] == len(x)
    assert status["drifted"] == []
    assert {f["verdict"] for f in status["features"]} == {"ok"}


def test_model_without_a_profile_says_why_monitoring_is_off(trained_classifier):
    trained_classifier.monitoring = None
    with TestClient(create_app(trained_classifier)) as client:
        answer = client.get("/monitoring")
    assert answer.status_code == 200
    assert answer.json()["enabled"] is False
    assert "no reference profile" in answer.json()["reason"]


def test_monitoring_off_leaves_no_drift_gauges(trained_classifier, monkeypatch):
    monkeypatch.setenv("MODELYARD_MONITORING", "off")
    with TestClient(create_app(trained_classifier)) as client:
        status = client.get("/monitoring").json()
        metrics = client.get("/metrics").text
    assert status["enabled"] is False
    assert "modelyard_drift_psi" not in metrics


def test_drifted_features_are_flagged_over_a_socket(serve_model, binary_data):
    url, _ = serve_model(MODELYARD_MONITORING_WINDOW_ROWS="500")
    drifted = binary_data.x.sample(500, replace=True, random_state=1)
    for name, shift in SHIFTED.items():
        drifted[name] = drifted[name] + shift
    send(url, binary_data.x)  # the undrifted rows leave the window as the drifted come in
    send(url, drifted)
    status = call(url, "/monitoring")
    verdicts = {f["name"]: f["verdict"] for f in status["features"]}
    assert set(status["drifted"]) - {"prediction"} == set(SHIFTED)
    assert {n for n, v in verdicts.items() if v == "drift"} == set(SHIFTED)
    by_name = {f["name"]: f for f in status["features"]}
    assert by_name["mean radius"]["out_of_contract"]["out_of_range"] > 0
    verdict_gauges = gauges(url, "modelyard_drift_verdict")
    assert {n for n, v in verdict_gauges.items() if v == 2} == set(SHIFTED)
    assert gauges(url, "modelyard_drift_psi")["mean radius"] >= 0.25


def test_project_settings_reach_the_server_unless_a_variable_is_set(tmp_path):
    environ = {"MODELYARD_MONITORING_PSI_DRIFT": "0.4"}
    table = {"psi_drift": 0.3, "window_rows": 500, "prediction_log": "logs/p.jsonl"}
    export_settings(table, tmp_path, environ)
    assert environ["MODELYARD_MONITORING_PSI_DRIFT"] == "0.4"
    assert environ["MODELYARD_MONITORING_WINDOW_ROWS"] == "500"
    assert environ["MODELYARD_PREDICTION_LOG"] == str(tmp_path / "logs" / "p.jsonl")


def test_redacting_an_unknown_feature_stops_the_server_before_it_starts():
    environ = {"MODELYARD_PREDICTION_LOG": "p.jsonl", "MODELYARD_PREDICTION_LOG_REDACT": "ssn"}
    with pytest.raises(ConfigError, match="cannot redact 'ssn'"):
        check_settings(["age", "income"], environ)
