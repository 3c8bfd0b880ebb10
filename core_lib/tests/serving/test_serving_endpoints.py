"""The endpoints of a served model: health, metadata, predictions, metrics, model errors."""

from __future__ import annotations

import json
import logging
import threading
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from modelyard import NotTrainedError
from modelyard.serving import app as app_module
from modelyard.serving import create_app


def test_live_answers_while_the_model_is_in_memory(client):
    response = client.get("/health/live")

    assert response.json() == {"status": "ok", "model": "cancer", "version": None}


def test_ready_answers_503_until_a_saved_model_has_loaded(saved_classifier, monkeypatch):
    release = threading.Event()
    real_load = app_module.load_model

    def slow_load(uri, **options):
        release.wait(timeout=30)
        return real_load(uri, **options)

    monkeypatch.setattr(app_module, "load_model", slow_load)
    with TestClient(create_app(saved_classifier)) as client:
        assert client.get("/health/live").status_code == 200
        assert client.get("/health/ready").status_code == 503
        assert client.post("/predict", json={"rows": []}).status_code == 503
        release.set()
        assert _eventually_ready(client)


def test_a_model_that_fails_to_load_stays_not_ready_and_says_so(saved_classifier, monkeypatch):
    def broken(uri, **options):
        raise OSError("disk gone")

    monkeypatch.setattr(app_module, "load_model", broken)
    with TestClient(create_app(saved_classifier)) as client:
        time.sleep(0.2)
        response = client.get("/health/ready")

    assert (response.status_code, response.json()["status"]) == (503, "failed")


def test_a_model_in_an_s3_store_is_served_by_its_url(trained_classifier, s3_store, rows):
    url, options = s3_store
    trained_classifier.save(url, storage_options=options)

    with TestClient(create_app(f"{url}/cancer@1", storage_options=options)) as client:
        _eventually_ready(client)
        answer = client.post("/predict", json={"rows": rows}).json()

    assert answer["version"] == 1
    assert answer["predictions"] == trained_classifier.predict(rows).tolist()


def test_the_first_releases_health_path_still_answers(client):
    assert client.get("/health").json()["status"] == "ok"


def test_metadata_describes_the_saved_model_without_paths(saved_classifier, workdir):
    with TestClient(create_app(saved_classifier)) as client:
        _eventually_ready(client)
        metadata = client.get("/metadata").json()

    assert (metadata["name"], metadata["version"], metadata["task"]) == (
        "cancer",
        1,
        "classification",
    )
    first = metadata["features"][0]
    assert (first["name"], first["kind"], first["nullable"]) == ("mean radius", "number", False)
    assert metadata["classes"] == [0, 1]
    assert "scikit-learn" in metadata["trained_with"]
    assert str(workdir) not in json.dumps(metadata)
    assert "sha256" not in metadata and "params" not in metadata


def test_predict_takes_rows_and_answers_in_row_order(client, rows, trained_classifier):
    response = client.post("/predict", json={"rows": rows})

    assert response.status_code == 200
    assert response.json()["predictions"] == trained_classifier.predict(rows).tolist()
    assert (response.json()["model"], response.json()["version"]) == ("cancer", None)


def test_predict_takes_columns_and_data_in_any_column_order(
    client, binary_data, trained_classifier
):
    frame = binary_data.x.head(4).iloc[:, ::-1]

    response = client.post(
        "/predict", json={"columns": list(frame.columns), "data": frame.to_numpy().tolist()}
    )

    assert response.json()["predictions"] == trained_classifier.predict(frame).tolist()


def test_probabilities_come_with_the_classes_when_asked(client, rows, trained_classifier):
    answer = client.post("/predict", json={"rows": rows, "probabilities": True}).json()

    assert answer["classes"] == [0, 1]
    expected = trained_classifier.predict_proba(rows)
    assert np.allclose(answer["probabilities"], expected, rtol=1e-12, atol=0)


def test_probabilities_are_left_out_unless_asked(client, rows):
    assert "probabilities" not in client.post("/predict", json={"rows": rows}).json()


def test_a_regressor_refuses_probabilities_with_422(trained_regressor, regression_data):
    rows = regression_data.x.head(2).to_dict(orient="records")
    client = TestClient(create_app(trained_regressor))

    response = client.post("/predict", json={"rows": rows, "probabilities": True})

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "no_probabilities"


def test_a_regressor_predicts_values(trained_regressor, regression_data):
    rows = regression_data.x.head(2).to_dict(orient="records")

    answer = TestClient(create_app(trained_regressor)).post("/predict", json={"rows": rows}).json()

    assert answer["predictions"] == pytest.approx(trained_regressor.predict(rows).tolist())


def test_a_batch_larger_than_the_inline_limit_is_predicted_the_same(
    client, binary_data, trained_classifier
):
    rows = binary_data.x.head(app_module.INLINE_ROWS + 50).to_dict(orient="records")

    answer = client.post("/predict", json={"rows": rows}).json()

    assert answer["predictions"] == trained_classifier.predict(rows).tolist()


def test_every_answer_carries_a_request_id(client):
    assert len(client.get("/health/live").headers["x-request-id"]) == 32


def test_a_callers_request_id_is_kept(client):
    response = client.get("/health/live", headers={"X-Request-ID": "trace-abc.123"})

    assert response.headers["x-request-id"] == "trace-abc.123"


def test_a_model_exception_is_a_500_with_a_request_id_and_no_internals(
    failing_client, rows, caplog
):
    with caplog.at_level(logging.ERROR, logger="modelyard.serving"):
        response = failing_client.post("/predict", json={"rows": rows})

    assert response.status_code == 500
    assert response.json()["request_id"] == response.headers["x-request-id"]
    assert "secret-internals-42" not in response.text and "Traceback" not in response.text
    assert "secret-internals-42" in caplog.text  # the operator gets the whole story
    assert response.json()["request_id"] in caplog.text


def test_metrics_count_requests_by_path_and_status(client, rows):
    client.post("/predict", json={"rows": rows})
    client.post("/predict", json={"rows": []})

    text = client.get("/metrics").text

    assert 'modelyard_http_requests_total{method="POST",path="/predict",status="200"} 1.0' in text
    assert 'modelyard_http_errors_total{path="/predict",status="422"} 1.0' in text
    assert 'modelyard_http_request_duration_seconds_count{path="/predict"} 2.0' in text


def test_metrics_put_unknown_paths_under_one_label(client):
    for path in ("/a", "/b", "/c"):
        client.get(path)

    assert 'path="other",status="404"} 3.0' in client.get("/metrics").text


def test_openapi_schema_shows_the_real_feature_names_and_types(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    assert schemas["Row"]["properties"]["mean radius"]["type"] == "number"
    assert "mean radius" in schemas["Row"]["required"]
    assert schemas["Row"]["additionalProperties"] is False


def test_an_untrained_model_cannot_be_served(classifier):
    with pytest.raises(NotTrainedError):
        create_app(classifier)


def _eventually_ready(client: TestClient, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/health/ready").status_code == 200:
            return True
        time.sleep(0.05)
    raise AssertionError("the model did not become ready")
