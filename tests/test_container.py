"""The baked project's image builds, runs as a non-root user and serves predictions over HTTP.

Two images from the one Dockerfile: the default target with the trained model baked in,
and the ``server`` target, which loads the model named by MODELYARD_SERVE_MODEL at start.
The task-specific parts (the rows sent, what the model predicts) come from fixtures.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import PROJECT, local_predictions
from support import (
    BASE_IMAGE,
    BUILD_FLAGS,
    build_image,
    container_engine,
    free_port,
    http_json,
    remove_images,
    run,
    wait_for_http,
)

#: One project with the API (see conftest.FULL_CHECK). The Dockerfile does not depend on the
#: task, and a regressor's API answers are proven by the generated project's own API tests;
#: a second project's images cost CI two more full builds (pip install and compileall) and
#: proved nothing this one does not.
PROJECTS = ["classifier-github-api"]


@pytest.fixture(scope="module")
def engine() -> str:
    return container_engine()


def _build(engine: str, baked: Path, team_index: str, tag: str, *extra: str) -> str:
    args = [
        engine,
        "build",
        "--network",
        "host",
        "-t",
        tag,
        "--build-arg",
        f"PIP_INDEX_URL={team_index}",
        *extra,
    ]
    if engine == "podman":
        args += ["--format", "docker"]  # keeps the HEALTHCHECK, which OCI images drop
    if os.environ.get(BASE_IMAGE):
        args += ["--build-arg", f"BASE_IMAGE={os.environ[BASE_IMAGE]}"]
    args += shlex.split(os.environ.get(BUILD_FLAGS, ""))
    build_image([*args, "."], cwd=baked)
    size = run([engine, "image", "inspect", tag, "--format", "{{.Size}}"]).strip()
    print(f"{tag}: {int(size) / 1e6:.0f} MB")
    return tag


@pytest.fixture(scope="module")
def image(engine, baked, trained, team_index) -> Iterator[str]:
    """The project's image with its trained model; pip's only index is the team index."""
    tag = _build(engine, baked, team_index, f"localhost/{PROJECT}-test-{os.getpid()}:latest")
    yield tag
    remove_images(engine, tag)


@pytest.fixture(scope="module")
def server_image(engine, baked, image, team_index) -> Iterator[str]:
    """The image without a model (target ``server``); built from the same cached layers."""
    tag = _build(
        engine,
        baked,
        team_index,
        f"localhost/{PROJECT}-server-test-{os.getpid()}:latest",
        "--target",
        "server",
    )
    yield tag
    remove_images(engine, tag)


def _start(engine: str, image: str, name: str, *options: str) -> tuple[str, str]:
    port = free_port()
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
            *options,
            image,
        ]
    )
    return name, f"http://127.0.0.1:{port}"


def _stop(engine: str, name: str) -> None:
    logs = subprocess.run([engine, "logs", name], capture_output=True, text=True, check=False)
    print(logs.stdout[-3000:], logs.stderr[-3000:])
    subprocess.run([engine, "rm", "-f", "-t", "10", name], capture_output=True, check=False)


@pytest.fixture(scope="module")
def container(engine, image) -> Iterator[tuple[str, str]]:
    """A running container of the image; yields its name and base URL."""
    name, url = _start(engine, image, f"{PROJECT}-test-{os.getpid()}")
    try:
        wait_for_http(f"{url}/health/ready")
        yield name, url
    finally:
        _stop(engine, name)


def test_container_is_live_and_ready_with_the_trained_version(container):
    assert http_json(f"{container[1]}/health/live")[0] == 200
    status, answer = http_json(f"{container[1]}/health/ready")

    assert status == 200
    assert answer == {"status": "ok", "model": PROJECT, "version": 1}


def test_container_describes_its_model_without_paths(container, rows):
    status, metadata = http_json(f"{container[1]}/metadata")

    assert status == 200
    assert (metadata["name"], metadata["version"]) == (PROJECT, 1)
    assert [f["name"] for f in metadata["features"]] == list(rows[0])
    assert "/app" not in str(metadata)


def test_container_predicts_what_the_model_predicts_in_process(container, baked, project_env, rows):
    status, answer = http_json(f"{container[1]}/predict", {"rows": rows})

    assert status == 200
    assert answer["predictions"] == local_predictions(baked, project_env, rows)


def test_container_answers_the_open_inference_protocol_as_predict(
    container, baked, project_env, rows
):
    status, metadata = http_json(f"{container[1]}/v2/models/{PROJECT}")
    assert status == 200
    body = {
        "inputs": [
            {
                "name": tensor["name"],
                "datatype": tensor["datatype"],
                "shape": [len(rows)],
                "data": [row[tensor["name"]] for row in rows],
            }
            for tensor in metadata["inputs"]
        ]
    }

    status, answer = http_json(f"{container[1]}/v2/models/{PROJECT}/infer", body)

    assert status == 200, answer
    assert answer["outputs"][0]["name"] == "predict"
    assert answer["outputs"][0]["data"] == local_predictions(baked, project_env, rows)


def test_container_answers_a_bad_request_with_422_naming_the_field(container, rows):
    row = dict(rows[0])
    missing = next(iter(row))
    del row[missing]

    status, answer = http_json(f"{container[1]}/predict", {"rows": [row]})

    assert status == 422
    assert (answer["detail"][0]["row"], answer["detail"][0]["field"]) == (0, missing)


def test_container_runs_as_a_non_root_user(engine, container):
    assert run([engine, "exec", container[0], "id", "-u"]).strip() != "0"


def test_image_holds_no_pip(engine, container):
    assert "pip" not in run([engine, "exec", container[0], "ls", "/opt/venv/bin"]).split()


def test_image_healthcheck_passes(engine, container):
    if engine == "docker":
        pytest.skip("docker has no command to run a health check now; podman does")
    run([engine, "healthcheck", "run", container[0]])


def test_server_image_loads_the_model_named_at_start(
    engine, server_image, baked, trained, rows, project_env
):
    name, url = _start(
        engine,
        server_image,
        f"{PROJECT}-server-test-{os.getpid()}",
        "-v",
        f"{baked / 'models'}:/models:ro",
        "-e",
        f"MODELYARD_SERVE_MODEL=/models/{PROJECT}@1",
    )
    try:
        wait_for_http(f"{url}/health/ready")
        status, answer = http_json(f"{url}/predict", {"rows": rows})
    finally:
        _stop(engine, name)

    assert status == 200
    assert answer["version"] == 1
    assert answer["predictions"] == local_predictions(baked, project_env, rows)
