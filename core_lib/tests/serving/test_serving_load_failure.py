"""A model that cannot load stops the server at once, or (waiting by URI) says it failed."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import skops.io
from fastapi.testclient import TestClient
from sklearn.preprocessing import FunctionTransformer

from modelyard.serving import app as app_module
from modelyard.serving import create_app
from modelyard.store import load_model, locate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unloadable(saved_classifier, plant) -> str:
    """A saved version whose file holds a type nobody trusted (hashes fixed up to match)."""
    plant(Path(saved_classifier), skops.io.dumps(FunctionTransformer(func=subprocess.check_output)))
    return saved_classifier


def test_serve_exits_non_zero_with_one_line_when_the_model_cannot_load(unloadable):
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "modelyard.cli", "serve", unloadable, "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=120,
    )

    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1
    assert len(lines) == 1, done.stderr
    assert "failed to load" in lines[0] and "subprocess.check_output" in lines[0]
    assert "Traceback" not in done.stderr + done.stdout
    assert "Uvicorn running" not in done.stderr + done.stdout
    assert time.monotonic() - started < 120


def test_a_server_waiting_for_a_model_that_fails_says_failed_to_load(unloadable):
    with TestClient(create_app(unloadable)) as client:
        ready = _eventually_not_loading(client)
        answer = client.post("/predict", json={"rows": []})

    assert ready.status_code == 503
    assert ready.json()["detail"].startswith("failed to load: ")
    assert answer.status_code == 503
    assert "failed to load: " in answer.text and "still loading" not in answer.text


def test_a_server_waiting_by_uri_passes_its_trust_to_the_load(saved_classifier, monkeypatch):
    seen = {}

    def spy(uri, **options):
        seen.update(options)
        raise OSError("stop here")

    monkeypatch.setattr(app_module, "load_model", spy)
    monkeypatch.setenv(app_module.MODEL_ENV, saved_classifier)
    monkeypatch.setenv(app_module.TRUST_ENV, "lightgbm,pkg.Type")
    with TestClient(app_module.create_app_from_env()) as client:
        _eventually_not_loading(client)

    assert seen["trusted"] == ("lightgbm", "pkg.Type")


def _eventually_not_loading(client: TestClient, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        response = client.get("/health/ready")
        if response.json()["status"] != "loading" or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def test_a_model_loaded_before_listening_is_served_without_loading_again(
    saved_classifier, monkeypatch
):
    location = locate(saved_classifier)
    app_module.preload(location, load_model(location))
    monkeypatch.setattr(app_module, "load_model", _never_called)

    with TestClient(create_app(str(location))) as client:
        assert _eventually_not_loading(client).json()["status"] == "ok"


def _never_called(*args, **kwargs):
    raise AssertionError("the preloaded model was loaded again")
