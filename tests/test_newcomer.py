"""A newcomer's first hour: bake with the default answers, then the README's make commands.

Nothing here has a team package index: no PIP_INDEX_URL, no find-links to a modelyard
wheel. modelyard comes from the wheel the template built into the project's ``wheels/``
(the default answer, ``template``); every other package from pip's own configuration.
Each step runs in a fresh virtual environment, in the order the README gives them, and
its time is printed at the end of the test run (no test asserts a time).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import PROJECT
from support import TIMINGS, free_port, http_json, run, wait_for_http

#: pip settings that would point at a team index or extra wheels: a newcomer has none.
TEAM_INDEX_VARIABLES = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX")


def timed(step: str, args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run one newcomer command, record how long it took, return its output."""
    start = time.monotonic()
    out = run(args, cwd=cwd, env=env)
    TIMINGS[f"newcomer: {step}"] = time.monotonic() - start
    return out


@pytest.fixture(scope="module")
def newcomer_project(cookies_session) -> Path:
    """A project baked with every default answer, in a fresh git repository."""
    start = time.monotonic()
    result = cookies_session.bake(extra_context={"modelyard_requirement": "template"})
    TIMINGS["newcomer: bake"] = time.monotonic() - start
    assert result.exception is None, result.exception
    project = result.project_path
    identity = ["-c", "user.name=New Comer", "-c", "user.email=new@example.com"]
    run(["git", "init", "-q", "-b", "main"], cwd=project)
    run(["git", *identity, "add", "-A"], cwd=project)
    run(["git", *identity, "commit", "-q", "-m", "baked"], cwd=project)
    return project


@pytest.fixture(scope="module")
def newcomer_env(newcomer_project) -> dict[str, str]:
    """The shell of a newcomer who made a virtual environment and activated it."""
    start = time.monotonic()
    folder = newcomer_project / ".venv"
    venv.create(folder, with_pip=True)
    TIMINGS["newcomer: python -m venv .venv"] = time.monotonic() - start
    env = {k: v for k, v in os.environ.items() if k not in TEAM_INDEX_VARIABLES}
    env.pop("PYTHONPATH", None)
    env["VIRTUAL_ENV"] = str(folder)
    env["PATH"] = f"{folder / 'bin'}{os.pathsep}{env['PATH']}"
    env["PRE_COMMIT_HOME"] = str(newcomer_project.parent / "pre-commit-home")
    return env


@pytest.fixture(scope="module")
def installed(newcomer_project, newcomer_env) -> str:
    """``make install``: the project, its tools and modelyard, from no team index."""
    return timed("make install", ["make", "install"], newcomer_project, newcomer_env)


@pytest.fixture(scope="module")
def trained(newcomer_project, newcomer_env, installed) -> str:
    """``make train``: the first saved model version."""
    return timed("make train", ["make", "train"], newcomer_project, newcomer_env)


@pytest.fixture(scope="module")
def served(newcomer_project, newcomer_env, trained) -> Iterator[str]:
    """``make serve`` running on a free port; yields its base URL."""
    port = free_port()
    env = {**newcomer_env, "MODELYARD_PORT": str(port)}
    start = time.monotonic()
    server = subprocess.Popen(
        ["make", "serve"],
        cwd=newcomer_project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health/ready")
        TIMINGS["newcomer: make serve (until ready)"] = time.monotonic() - start
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_make_install_takes_modelyard_from_the_wheel_baked_into_the_project(
    newcomer_project, newcomer_env, installed
):
    python = newcomer_project / ".venv" / "bin" / "python"
    code = (
        "import json, importlib.metadata as m; "
        "print(m.distribution('modelyard').read_text('direct_url.json'))"
    )

    origin = json.loads(run([python, "-c", code], env=newcomer_env))

    assert origin["url"].startswith((newcomer_project / "wheels").as_uri())


def test_make_train_saves_the_first_model_version(newcomer_project, trained):
    assert f"saved models/{PROJECT}/1" in trained
    assert (newcomer_project / "models" / PROJECT / "1" / "model.json").is_file()


def test_make_test_passes(newcomer_project, newcomer_env, installed):
    out = timed("make test", ["make", "test"], newcomer_project, newcomer_env)

    assert " passed" in out


def test_make_serve_answers_a_prediction(newcomer_project, newcomer_env, served):
    python = newcomer_project / ".venv" / "bin" / "python"
    code = (
        "from my_model.data import ProjectData; "
        "print(ProjectData().x.head(2).to_json(orient='records'))"
    )
    rows = json.loads(run([python, "-c", code], cwd=newcomer_project, env=newcomer_env))

    start = time.monotonic()
    status, body = http_json(f"{served}/predict", {"rows": rows})
    TIMINGS["newcomer: first prediction"] = time.monotonic() - start

    assert status == 200
    assert len(body["predictions"]) == 2


def test_make_sample_then_the_tests_pass_on_the_sample_alone(
    newcomer_project, newcomer_env, installed
):
    timed("make sample", ["make", "sample"], newcomer_project, newcomer_env)
    sample = newcomer_project / "data" / "sample.csv"
    ignored = run(["git", "status", "--porcelain", "data"], cwd=newcomer_project)

    out = timed(
        "make test (MODELYARD_DATA=sample)",
        ["make", "test"],
        newcomer_project,
        {**newcomer_env, "MODELYARD_DATA": "sample"},
    )

    assert len(sample.read_text().splitlines()) == 201
    assert "data/" in ignored  # git offers the sample for committing
    assert " passed" in out
    assert " failed" not in out


def test_make_docs_builds_with_every_reference_resolved(newcomer_project, newcomer_env, trained):
    timed("make docs", ["make", "docs"], newcomer_project, newcomer_env)

    assert (newcomer_project / "docs" / "_build" / "html" / "model-card.html").is_file()


def test_the_image_build_installs_the_same_wheel(newcomer_project):
    dockerfile = (newcomer_project / "Dockerfile").read_text()
    dependencies = (newcomer_project / "pyproject.toml").read_text()

    assert "COPY wheels/ wheels/" in dockerfile
    assert "!wheels/" in (newcomer_project / ".dockerignore").read_text()
    assert "modelyard[serve] @ {root:uri}/wheels/modelyard-" in dependencies
