"""Fixtures of the serving tests: apps, clients, request rows and real servers on a socket."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from modelyard import Model
from modelyard.serving import create_app

HERE = Path(__file__).resolve().parent


class FailingEstimator:
    """Fits like any estimator; its predictions raise, as a buggy model's would."""

    _estimator_type = "classifier"

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        raise RuntimeError("internal state secret-internals-42 is broken")


@pytest.fixture
def app(trained_classifier) -> FastAPI:
    return create_app(trained_classifier)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def rows(binary_data) -> list[dict]:
    return binary_data.x.head(3).to_dict(orient="records")


@pytest.fixture
def trained_regressor(regressor, regression_data) -> Model:
    return regressor.train(regression_data)


@pytest.fixture
def failing_client(binary_data) -> Iterator[TestClient]:
    model = Model(FailingEstimator(), name="failing").train(binary_data)
    with TestClient(create_app(model), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def saved_classifier(trained_classifier) -> str:
    return str(trained_classifier.save("models"))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            time.sleep(0.5)
            raise AssertionError(f"server exited: {''.join(getattr(process, 'output', []))}")
        try:
            with urllib.request.urlopen(f"{url}/health/ready", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} was not ready within {timeout} s")


@pytest.fixture
def start_server() -> Iterator[Callable[..., tuple[str, subprocess.Popen]]]:
    """Start a server process on 127.0.0.1; yields a function returning its URL and process."""
    started: list[subprocess.Popen] = []

    def start(*command: str, env: dict[str, str] | None = None) -> tuple[str, subprocess.Popen]:
        url, process = _start_server(command, env)
        started.append(process)
        return url, process

    yield start
    for process in started:
        _stop(process)


@pytest.fixture(scope="module")
def penguins_server(saved_penguins) -> Iterator[str]:
    """``modelyard serve`` on the saved penguins model (strings, missing values); its URL."""
    url, process = _start_server(("-m", "modelyard.cli", "serve", str(saved_penguins)), None)
    yield url
    _stop(process)


def _start_server(
    command: tuple[str, ...], env: dict[str, str] | None
) -> tuple[str, subprocess.Popen]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, *command, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,  # its own process group, so teardown reaches every worker
    )
    # Drain the log as it comes: a full pipe would block the server's logging, and it.
    process.output = []  # type: ignore[attr-defined]
    threading.Thread(
        target=lambda: process.output.extend(process.stdout),
        daemon=True,  # type: ignore[attr-defined]
    ).start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, process)
    except AssertionError:
        _stop(process)
        raise
    return url, process


def _stop(process: subprocess.Popen) -> None:
    """Stop a server and its worker processes: SIGTERM first, SIGKILL to the group if it hangs."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # workers a dead supervisor left behind
    process.wait(timeout=30)


@pytest.fixture
def serve_model(start_server, saved_classifier) -> Callable[..., tuple[str, subprocess.Popen]]:
    """Start ``modelyard serve`` on the saved classifier."""
    return lambda **env: start_server("-m", "modelyard.cli", "serve", saved_classifier, env=env)


@pytest.fixture
def slow_server(start_server) -> tuple[str, subprocess.Popen]:
    """A server whose model takes two seconds per batch (see slow_server.py)."""
    return start_server(str(HERE / "slow_server.py"))


@pytest.fixture
def big_body() -> bytes:
    """A /predict body of about 4 MiB (far over the size parsed in place): many empty rows."""
    return b'{"rows":[' + b",".join([b"{}"] * (4 * 2**20 // 3)) + b"]}"


@pytest.fixture
def serve_with_deadlines(serve_model) -> Callable[..., tuple[str, subprocess.Popen]]:
    """``modelyard serve`` whose connections must send headers and body within one second."""
    return lambda **env: serve_model(
        MODELYARD_HEADER_TIMEOUT="1", MODELYARD_BODY_TIMEOUT="1", **env
    )


@pytest.fixture
def serve_one_at_a_time(start_server) -> tuple[str, subprocess.Popen]:
    """The slow server (two seconds a prediction) with at most one request in flight."""
    return start_server(str(HERE / "slow_server.py"), env={"MODELYARD_MAX_IN_FLIGHT": "1"})


@pytest.fixture
def fresh_deadlines() -> Iterator[None]:
    """Let this test's environment decide the deadlines (they are read once per process)."""
    from modelyard.serving.protocol import deadlines

    deadlines.cache_clear()
    yield
    deadlines.cache_clear()
