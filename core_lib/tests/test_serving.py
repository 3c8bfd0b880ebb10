from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from fastapi.testclient import TestClient

from modelyard import NotTrainedError
from modelyard.serving import create_app


@pytest.fixture
def client(trained_classifier) -> TestClient:
    return TestClient(create_app(trained_classifier))


@pytest.fixture
def rows(binary_data) -> list[dict]:
    return binary_data.x.head(3).to_dict(orient="records")


def test_health_names_the_model_served(client):
    response = client.get("/health")

    assert response.json() == {"status": "ok", "model": "cancer", "version": None}


def test_predict_returns_the_models_predictions_in_row_order(client, rows, trained_classifier):
    response = client.post("/predict", json=rows)

    assert response.status_code == 200
    assert response.json()["predictions"] == trained_classifier.predict(rows).tolist()


def test_a_saved_model_is_served_with_its_version(trained_classifier, rows):
    ref = trained_classifier.save("models")

    response = TestClient(create_app(str(ref))).post("/predict", json=rows)

    assert response.json()["version"] == 1


def test_openapi_schema_shows_the_real_feature_names_and_types(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    assert schemas["Row"]["properties"]["mean radius"]["type"] == "number"
    assert "mean radius" in schemas["Row"]["required"]


@pytest.mark.parametrize(
    ("change", "row", "field", "kind"),
    [
        (lambda r: r.pop("mean area"), 1, "mean area", "missing"),
        (lambda r: r.update({"colour": "red"}), 1, "colour", "extra_forbidden"),
        (lambda r: r.update({"mean area": "big"}), 1, "mean area", "float_type"),
    ],
)
def test_a_bad_row_gets_422_naming_the_row_and_field(client, rows, change, row, field, kind):
    change(rows[1])

    response = client.post("/predict", json=rows)

    assert response.status_code == 422
    [detail] = response.json()["detail"]
    assert (detail["row"], detail["field"], detail["type"]) == (row, field, kind)


def test_a_non_finite_number_is_refused(client, rows):
    body = json.dumps(rows).replace(str(rows[0]["mean area"]), "NaN", 1)

    response = client.post("/predict", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "finite_number"


def test_an_empty_batch_is_refused(client):
    assert client.post("/predict", json=[]).status_code == 422


def test_a_body_that_is_not_json_gets_422_without_echoing_it(client):
    response = client.post(
        "/predict", content=b"secret-token-123 {", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert "secret-token-123" not in response.text


def test_error_details_never_echo_the_submitted_values(client, rows):
    rows[0]["mean area"] = "secret-token-123"

    response = client.post("/predict", json=rows)

    assert response.status_code == 422
    assert "secret-token-123" not in response.text


def test_an_untrained_model_cannot_be_served(classifier):
    with pytest.raises(NotTrainedError):
        create_app(classifier)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"server exited: {server.stdout.read()}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def test_modelyard_serve_answers_predictions_over_a_real_socket(trained_classifier, rows):
    ref = trained_classifier.save("models")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "modelyard.cli", "serve", str(ref), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/health", server)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/predict",
            data=json.dumps(rows).encode(),
            headers={"Content-Type": "application/json"},
        )
        answer = json.load(urllib.request.urlopen(request, timeout=10))
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[0]

    assert answer["predictions"] == trained_classifier.predict(rows).tolist()
    assert "Finished server process" in log  # SIGTERM shut it down gracefully
