"""Fixtures of the template tests: a baked project, a virtual environment with it installed,
and a local wheel index serving the modelyard under test."""

from __future__ import annotations

import functools
import http.server
import json
import sys
import threading
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import REPO, free_port, run

PROJECT = "my-model"
PACKAGE = "my_model"


@pytest.fixture(scope="session")
def baked(cookies_session) -> Path:
    """A project baked with every answer left at its default."""
    result = cookies_session.bake()
    assert result.exception is None, result.exception
    return result.project_path


@pytest.fixture(scope="session")
def wheels(tmp_path_factory) -> Path:
    """A folder holding the wheel of the modelyard in this repository."""
    folder = tmp_path_factory.mktemp("wheels")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", folder, REPO / "core_lib"])
    return folder


@pytest.fixture(scope="session")
def wheel_index(wheels) -> Iterator[str]:
    """An HTTP folder listing of ``wheels`` on 127.0.0.1, usable as pip's --find-links."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(wheels))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="session")
def project_env(baked, wheels, tmp_path_factory) -> Path:
    """The bin folder of a fresh virtual environment with the baked project installed."""
    env = tmp_path_factory.mktemp("venv")
    venv.create(env, with_pip=True)
    run(
        [
            env / "bin" / "python",
            "-m",
            "pip",
            "install",
            "-q",
            "--find-links",
            wheels,
            "-e",
            f"{baked}[dev,docs]",
        ],
    )
    return env / "bin"


@pytest.fixture(scope="session")
def trained(baked, project_env) -> str:
    """Train the baked project's model with its own `modelyard train`; return what it printed."""
    return run([project_env / "modelyard", "train"], cwd=baked)


@pytest.fixture(scope="session")
def rows(baked, project_env) -> list[dict]:
    """Three rows of the project's own training data, as a client would send them."""
    code = (
        f"from {PACKAGE}.data import ProjectData; "
        "print(ProjectData().x.head(3).to_json(orient='records'))"
    )
    return json.loads(run([project_env / "python", "-c", code], cwd=baked))


def local_predictions(baked: Path, project_env: Path, rows: list[dict]) -> list:
    """What the latest saved model predicts for ``rows`` when loaded in-process."""
    code = (
        "import json, sys; from modelyard import load_model; "
        f"print(json.dumps(load_model('models/{PROJECT}').predict(json.load(sys.stdin)).tolist()))"
    )
    return json.loads(run([project_env / "python", "-c", code], cwd=baked, input=json.dumps(rows)))
