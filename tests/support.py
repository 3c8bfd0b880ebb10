"""Helpers the template tests share: running commands, ports, HTTP, the container engine."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

REPO = Path(__file__).resolve().parents[1]

#: Seconds each timed step took (a newcomer's commands, say), printed after the run.
TIMINGS: dict[str, float] = {}

#: Set by .ci/run: a missing container engine fails the container tests instead of skipping them.
REQUIRE_CONTAINER = "TEMPLATE_TEST_REQUIRE_CONTAINER"
#: Base image for the generated Dockerfile (these machines cannot pull python:3.X-slim).
BASE_IMAGE = "TEMPLATE_TEST_BASE_IMAGE"
#: Extra `build` flags a machine needs, such as a certificate mount.
BUILD_FLAGS = "TEMPLATE_TEST_BUILD_FLAGS"


#: One image build (or clean-up) at a time on this machine, whichever pytest-xdist worker
#: asks: with podman's vfs storage every build step copies the whole file system, and
#: four builds at once filled a CI machine's disk.
IMAGE_LOCK = Path(tempfile.gettempdir()) / "ml-template-images.lock"


def build_image(args: Sequence[str | Path], cwd: Path) -> None:
    """Run an image build command, one build at a time (:data:`IMAGE_LOCK`)."""
    with FileLock(IMAGE_LOCK):
        run(args, cwd=cwd, timeout=1200)


def remove_images(engine: str, *tags: str) -> None:
    """Remove ``tags`` and the layers no image needs any more (what a build left behind)."""
    with FileLock(IMAGE_LOCK):
        subprocess.run([engine, "rmi", "-f", *tags], capture_output=True, check=False)
        subprocess.run([engine, "image", "prune", "-f"], capture_output=True, check=False)


def run(args: Sequence[str | Path], cwd: Path | None = None, **kwargs: Any) -> str:
    """Run a command, fail the test with its output if it fails, and return its stdout."""
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False, **kwargs
    )
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {done.returncode}\n"
            f"--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}"
        )
    return done.stdout


def tool(name: str) -> str:
    """The command ``name`` from the test environment (next to this Python), else from PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    return found or pytest.fail(f"{name} is not installed in the test environment")


def free_port() -> int:
    """A TCP port nothing listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_json(url: str, body: Any = None, timeout: float = 10) -> tuple[int, Any]:
    """GET (or POST ``body`` as JSON to) ``url``; return the status and the decoded answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def wait_for_http(url: str, timeout: float = 90) -> None:
    """Wait until ``url`` answers 200, or fail the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {timeout} s")


def container_engine() -> str:
    """``docker`` when a Docker engine answers, else ``podman``; skip (or fail in CI) if neither."""
    for engine in ("docker", "podman"):
        if (
            shutil.which(engine)
            and subprocess.run([engine, "info"], capture_output=True, check=False).returncode == 0
        ):
            return engine
    message = "no container engine answers (`docker info` and `podman info` both fail)"
    if os.environ.get(REQUIRE_CONTAINER):
        pytest.fail(
            f"{message}, and {REQUIRE_CONTAINER} is set: install podman (.ci/install-podman)"
        )
    pytest.skip(message)
