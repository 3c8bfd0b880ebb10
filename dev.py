"""The three commands of this repository, on a machine with only Python 3.10+ and git.

    python3 dev.py demo    bake a project, train, score, save, serve, ask for one prediction
    python3 dev.py test    every check (tox, two environments at a time), or
                           `python3 dev.py test -e template` for one
    python3 dev.py release --repository-url URL
                           build modelyard from its release tag, check it, upload it
                           (see CONTRIBUTING.md; credentials in TWINE_USERNAME/TWINE_PASSWORD)

Each first makes a virtual environment in .venv with tox, cookiecutter and this
repository's modelyard, then runs inside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent
VENV = REPO / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
SCRATCH = REPO / ".demo"
REQUIREMENTS = ["tox>=4.11", "cookiecutter>=2.6", "-e", f"{REPO / 'core_lib'}[plots,serve,release]"]
CHANGELOG = REPO / "core_lib" / "CHANGELOG.md"


def main(argv: list[str]) -> int:
    """Dispatch ``demo``, ``test`` or ``release``; print usage otherwise."""
    if not argv or argv[0] not in ("demo", "test", "release"):
        print(__doc__)
        return 2
    if Path(sys.prefix).resolve() != VENV.resolve():
        python = _ensure_venv()
        return subprocess.call([str(python), str(Path(__file__).resolve()), *argv])
    if argv[0] == "demo":
        return demo()
    if argv[0] == "release":
        return release(argv[1:])
    return subprocess.call([sys.executable, "-m", "tox", *_tox_arguments(argv[1:])], cwd=REPO)


def _tox_arguments(extra: list[str]) -> list[str]:
    """Every environment at once on two cores; a chosen environment alone, as asked."""
    if extra:
        return ["run", *extra]
    # The template tests spend much of their time waiting on pip and image builds,
    # so modelyard's tests, the docs and lint run beside them (tox prints each
    # environment's output as it finishes, and fails if any fails).
    return ["run-parallel", "--parallel", "2", "--parallel-no-spinner"]


def _ensure_venv() -> Path:
    """Create .venv (once) and install the requirements (again whenever they change)."""
    python = BIN / ("python.exe" if os.name == "nt" else "python")
    stamp = VENV / "requirements.stamp"
    wanted = hashlib.sha256(
        json.dumps(REQUIREMENTS).encode() + (REPO / "core_lib" / "pyproject.toml").read_bytes()
    ).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"--- preparing {VENV.name}/ (tox, cookiecutter, modelyard); once, about a minute")
    if not python.exists():
        try:
            venv.create(VENV, with_pip=True)
        except Exception as error:
            sys.exit(f"cannot create {VENV}: {error}. On Debian/Ubuntu: apt install python3-venv")
    subprocess.run([str(python), "-m", "pip", "install", "-q", *REQUIREMENTS], check=True)
    stamp.write_text(wanted)
    return python


def demo() -> int:
    """Bake a project with the defaults, then train, score, save, serve and query it."""
    from cookiecutter.main import cookiecutter

    started = time.monotonic()
    shutil.rmtree(SCRATCH, ignore_errors=True)
    _step(f"bake a project from the template with its defaults, into {SCRATCH.name}/")
    project = Path(cookiecutter(str(REPO), no_input=True, output_dir=str(SCRATCH)))
    print(project)
    _step("install it (its dependency, modelyard, is already here)")
    _call([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-e", str(project)])
    _step("modelyard train: holdout score, fit on all data, save a new version")
    trained = _call([BIN / "modelyard", "train"], cwd=project)
    model = re.search(r"^saved (\S+)$", trained, re.MULTILINE).group(1)  # type: ignore[union-attr]
    _step("modelyard score: holdout metrics, recorded in runs/")
    _call([BIN / "modelyard", "score"], cwd=project)
    _step(f"modelyard serve {model}")
    row = json.loads(_call([sys.executable, "-c", _FIRST_ROW], cwd=project, echo=False))
    port = _free_port()
    server = subprocess.Popen([BIN / "modelyard", "serve", model, "--port", str(port)], cwd=project)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/health/ready", server)
        _step(f"POST http://127.0.0.1:{port}/predict with the first row of the training data")
        print(json.dumps(row)[:200] + " ...")
        print("answer:", json.dumps(_post(f"http://127.0.0.1:{port}/predict", {"rows": row})))
    finally:
        server.terminate()
        server.wait(timeout=30)
    _step(f"done in {time.monotonic() - started:.0f} s; the project is in {project}")
    return 0


def release(argv: list[str]) -> int:
    """Build modelyard's sdist and wheel from a tagged, clean commit, check and upload them."""
    import argparse

    from modelyard.exceptions import ModelyardError
    from modelyard.release import release as publish
    from modelyard.release import release_notes

    parser = argparse.ArgumentParser(prog="dev.py release", description=release.__doc__)
    parser.add_argument(
        "--repository-url",
        default=os.environ.get("TWINE_REPOSITORY_URL"),
        help="where to upload (default: $TWINE_REPOSITORY_URL)",
    )
    parser.add_argument(
        "--index-url", help="the simple index to check the version against (see CONTRIBUTING.md)"
    )
    parser.add_argument("--no-upload", action="store_true", help="build and check only")
    args = parser.parse_args(argv)
    out = REPO / "dist" / time.strftime("%Y%m%d-%H%M%S")
    try:
        dists = publish(
            REPO / "core_lib",
            repository_url=args.repository_url,
            index_url=args.index_url,
            out_dir=out,
            upload_files=not args.no_upload,
            tag_hint="modelyard-vX.Y.Z",
            verify=lambda built: print(release_notes(CHANGELOG, built.version)),
        )
    except ModelyardError as error:
        print(f"release refused: {error}", file=sys.stderr)
        return 1
    print(f"modelyard {dists.version}: " + ", ".join(f.name for f in dists.files))
    print(f"uploaded to {args.repository_url}" if not args.no_upload else f"built in {out}")
    return 0


_FIRST_ROW = (
    "from modelyard.config import load_settings; from modelyard.project import build_dataset; "
    "print(build_dataset(load_settings()).x.head(1).to_json(orient='records'))"
)


def _step(message: str) -> None:
    print(f"\n=== {message}", flush=True)


def _call(args: list, cwd: Path | None = None, echo: bool = True) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)
    if echo:
        print(done.stdout, end="")
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("the server stopped before it answered")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer within {timeout:.0f} s")


def _post(url: str, body: object) -> object:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
