"""A real package index for the release tests: pypiserver on 127.0.0.1, uploads need a password."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER, PASSWORD = "release-bot", "s3cret-for-tests"


@dataclass(frozen=True)
class PackageIndex:
    """A running index: where to upload, where pip installs from, and its package folder."""

    upload_url: str
    simple_url: str
    folder: Path

    def credentials(self) -> dict[str, str]:
        """The environment twine reads the upload credentials from."""
        return {"TWINE_USERNAME": USER, "TWINE_PASSWORD": PASSWORD}


@contextmanager
def running_index(root: Path, fallback_url: str | None = None) -> Iterator[PackageIndex]:
    """Start pypiserver on a free port of 127.0.0.1 serving ``root/packages``; stop it after.

    Without ``fallback_url`` it never falls back to PyPI (``--disable-fallback``), so what
    it lists is all it has. With one it is a proxying team index: a project it hosts is
    served from its own files only, any other project is redirected to ``fallback_url``.
    """
    from passlib.apache import HtpasswdFile

    folder = root / "packages"
    folder.mkdir(parents=True, exist_ok=True)
    passwords = HtpasswdFile(str(root / "htpasswd"), new=True)
    passwords.set_password(USER, PASSWORD)
    passwords.save()
    port = _free_port()
    fallback = ["--fallback-url", fallback_url] if fallback_url else ["--disable-fallback"]
    server = subprocess.Popen(
        [
            sys.executable, "-m", "pypiserver", "run",
            "--host", "127.0.0.1", "--port", str(port),
            *fallback, "--authenticate", "update", "--passwords", str(root / "htpasswd"),
            "--log-stream", "none", str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/health", server)
        yield PackageIndex(f"{base}/", f"{base}/simple/", folder)
    finally:
        server.terminate()
        server.wait(timeout=30)


def upstream_index_url() -> str:
    """The index this machine's pip installs from: what a proxying team index redirects to.

    Read from pip's own configuration (``PIP_INDEX_URL``, then ``pip config``), else pip's
    built-in default, so no index host is written in this repository.
    """
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    configured = subprocess.run(
        [sys.executable, "-m", "pip", "config", "get", "global.index-url"],
        capture_output=True,
        text=True,
        check=False,
    )
    if configured.returncode == 0 and configured.stdout.strip():
        return configured.stdout.strip()
    from pip._internal.models.index import PyPI  # pip's default index, from pip itself

    return PyPI.simple_url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"pypiserver exited: {server.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"pypiserver did not answer at {url} within {timeout} s")
