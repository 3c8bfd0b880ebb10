"""The baked project's image builds, runs as a non-root user and serves predictions over HTTP."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterator

import pytest

from conftest import PROJECT, local_predictions
from support import (
    BASE_IMAGE,
    BUILD_FLAGS,
    container_engine,
    free_port,
    http_json,
    run,
    wait_for_http,
)

#: One classifier and one regressor, both with the API (see conftest.FULL_CHECK).
PROJECTS = ["classifier-github-api", "regressor-gitlab-api"]


@pytest.fixture(scope="module")
def engine() -> str:
    return container_engine()


@pytest.fixture(scope="module")
def image(engine, baked, trained, wheel_index) -> Iterator[str]:
    """The project's image, built with modelyard taken from the local wheel index."""
    tag = f"localhost/{PROJECT}-test:latest"
    args = [
        engine,
        "build",
        "--network",
        "host",
        "-t",
        tag,
        "--build-arg",
        f"PIP_FIND_LINKS={wheel_index}",
    ]
    if engine == "podman":
        args += ["--format", "docker"]  # keeps the HEALTHCHECK, which OCI images drop
    if os.environ.get(BASE_IMAGE):
        args += ["--build-arg", f"BASE_IMAGE={os.environ[BASE_IMAGE]}"]
    args += shlex.split(os.environ.get(BUILD_FLAGS, ""))
    run([*args, "."], cwd=baked, timeout=1200)
    yield tag
    subprocess.run([engine, "rmi", "-f", tag], capture_output=True, check=False)


@pytest.fixture(scope="module")
def container(engine, image) -> Iterator[tuple[str, str]]:
    """A running container of the image; yields its name and base URL."""
    name, port = f"{PROJECT}-test-{os.getpid()}", free_port()
    run(
        [
            engine,
            "run",
            "-d",
            "--name",
            name,
            "--network",
            "host",
            "-e",
            "MODELYARD_HOST=127.0.0.1",
            "-e",
            f"MODELYARD_PORT={port}",
            image,
        ]
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/health")
        yield name, url
    finally:
        logs = subprocess.run([engine, "logs", name], capture_output=True, text=True, check=False)
        print(logs.stdout[-3000:], logs.stderr[-3000:])
        subprocess.run([engine, "rm", "-f", "-t", "10", name], capture_output=True, check=False)


def test_container_reports_healthy_with_the_trained_version(container):
    status, answer = http_json(f"{container[1]}/health")

    assert status == 200
    assert answer == {"status": "ok", "model": PROJECT, "version": 1}


def test_container_predicts_what_the_model_predicts_in_process(container, baked, project_env, rows):
    status, answer = http_json(f"{container[1]}/predict", rows)

    assert status == 200
    assert answer["predictions"] == local_predictions(baked, project_env, rows)


def test_container_answers_a_bad_request_with_422_naming_the_field(container, rows):
    row = dict(rows[0])
    missing = next(iter(row))
    del row[missing]

    status, answer = http_json(f"{container[1]}/predict", [row])

    assert status == 422
    assert answer["detail"][0]["field"] == missing


def test_container_runs_as_a_non_root_user(engine, container):
    assert run([engine, "exec", container[0], "id", "-u"]).strip() != "0"


def test_image_healthcheck_passes(engine, container):
    if engine == "docker":
        pytest.skip("docker has no command to run a health check now; podman does")
    run([engine, "healthcheck", "run", container[0]])
