"""Image size: the generated project's image against an MLflow image of the same model.

Both images are built here with podman from the same local base,
``localhost/debian-python:bookworm`` (Debian's Python 3.11; no registry is
reachable, so ``python:3.11-slim`` cannot be pulled):

- **modelyard**: a project baked from the template with its defaults (a
  classifier with the API), trained with ``modelyard train``, built from its own
  Dockerfile (default target: the trained model baked in), modelyard's wheel
  taken from a team index (pypiserver) on 127.0.0.1 that proxies PyPI for the rest;
- **MLflow**: that same fitted estimator (the ``model.skops`` the project
  saved) saved with ``mlflow.sklearn.save_model`` in MLflow 3.17.2's venv, then
  ``mlflow models generate-dockerfile --env-manager local`` of it, built as
  generated except that its ``FROM python:3.11.7-slim`` line is replaced by the
  local base plus a venv on PATH (the Debian base has no ``pip`` or ``python``
  names; python:3.11-slim has both). So it holds what MLflow puts in its
  serving images: nginx, MLflow and the model's pinned requirements.

Each image is then run (host network) and must answer: modelyard's
``/health/ready`` and a ``/predict``, MLflow's ``/ping`` and an
``/invocations``, with the same predictions. The measure is
``podman image inspect --format {{.Size}}``; the details hold the layer sizes
(``podman history``) and the largest installed packages of each. One build of
each (sizes do not vary run to run). Smoke mode builds, runs and measures only
the modelyard image, and generates and checks MLflow's Dockerfile without
building it (the MLflow build alone takes several minutes here). Target: the
modelyard image at most half the MLflow one. Images are tagged ``...-bench``
and removed afterwards (then ``podman image prune -f``, in a full run only: CI runs
the smoke mode beside container builds whose layers a prune would delete).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# The container tests' pypiserver fixture: one way to run a team index on 127.0.0.1.
sys.path.append(str(Path(__file__).resolve().parents[2] / "core_lib" / "tests"))
from harness import (
    MLFLOW_VERSION,
    REPO,
    Row,
    arguments,
    free_port,
    mlflow_model,
    mlflow_python,
    write,
)
from index_server import running_index, upstream_index_url

BASE_IMAGE = "localhost/debian-python:bookworm"
ENGINE = "podman"
PROJECT = "my-model"
TAGS = {
    "modelyard": "localhost/modelyard-image-bench:latest",
    "mlflow": "localhost/mlflow-image-bench:latest",
}
# A generated Dockerfile names python:X-slim, which has `python` and `pip` on PATH; the
# Debian base has only python3, so the replacement gives it a venv that provides both.
# PIP_CERT is a build argument, so it is not kept in the image: this machine reaches the index
# through its own certificate bundle, which pip ignores once MLflow installs certifi.
MLFLOW_BASE = "\n".join(
    [
        f"FROM {BASE_IMAGE}",
        "ARG PIP_CERT",
        "RUN python3 -m venv /opt/venv",
        "ENV PATH=/opt/venv/bin:$PATH",
        "",
    ]
)
CERTIFICATES = "/etc/ssl/certs/ca-certificates.crt"
BUILD_FLAGS = ["-v", "/etc/ssl/certs:/etc/ssl/certs:ro", "--network", "host", "--format", "docker"]
# matplotlib and what only it needs: a base dependency of modelyard (for its plots), so in
# every serving image. Measured in the image so the cost of that choice is on record.
PLOTTING = (
    "matplotlib",
    "mpl_toolkits",
    "fontTools",
    "PIL",
    "pillow.libs",
    "kiwisolver",
    "contourpy",
    "cycler",
    "pyparsing",
)
SITE_PACKAGES = {
    "modelyard": "/opt/venv/lib/python3.11/site-packages",
    "mlflow": "/opt/venv/lib/python3.11/site-packages",
}


def main() -> None:
    """Build both images (smoke: modelyard's), check each serves the model, compare sizes."""
    args = arguments(__doc__.splitlines()[0])
    os.environ["BUILDAH_ISOLATION"] = "chroot"
    mlflow_python()
    # The MLflow image alone takes minutes more to build (more under vfs storage): smoke mode builds
    # modelyard's and only generates and checks MLflow's Dockerfile.
    built = ["modelyard"] if args.smoke else ["modelyard", "mlflow"]
    details: dict = {"build_seconds": {}, "layers": {}, "largest_packages": {}}
    details["plotting_stack_mb"] = {}
    sizes: dict[str, float] = {}
    work = Path(tempfile.mkdtemp(prefix="image-bench-"))
    try:
        project, rows = _baked_and_trained(work)
        mlflow_dir = _mlflow_context(project, work)
        with _team_index(work) as index:
            contexts = {
                "modelyard": (project, ["--build-arg", f"PIP_INDEX_URL={index}"]),
                "mlflow": (mlflow_dir, ["--build-arg", f"PIP_CERT={CERTIFICATES}"]),
            }
            for name in built:
                context, extra = contexts[name]
                started = time.monotonic()
                _build(TAGS[name], context, extra)
                details["build_seconds"][name] = round(time.monotonic() - started, 1)
                print(f"--- built in {details['build_seconds'][name]} s", flush=True)
        for name in built:
            tag = TAGS[name]
            size = int(_run([ENGINE, "image", "inspect", tag, "--format", "{{.Size}}"]))
            sizes[name] = size / 1e6
            details["layers"][name] = _layers(tag)
            details["largest_packages"][name] = _largest_packages(tag, SITE_PACKAGES[name])
            details["plotting_stack_mb"][name] = _folders_mb(tag, SITE_PACKAGES[name], PLOTTING)
        details["answers"] = _check_answers(rows, built)
    finally:
        for tag in TAGS.values():
            subprocess.run([ENGINE, "rmi", "-f", tag], capture_output=True, check=False)
        if not args.smoke:
            # CI runs the smoke mode beside the template's container tests, whose
            # builds in progress own untagged layers that a prune would delete.
            subprocess.run([ENGINE, "image", "prune", "-f"], capture_output=True, check=False)
        shutil.rmtree(work, ignore_errors=True)
    base = int(_run([ENGINE, "image", "inspect", BASE_IMAGE, "--format", "{{.Size}}"])) / 1e6
    details["base_image_mb"] = round(base, 1)
    peer = "mlflow generate-dockerfile" + (" (not built in smoke mode)" if args.smoke else "")
    theirs = sizes.get("mlflow", 0.0)  # a peer of 0 gives no ratio
    write(
        args.output,
        "image",
        "size of the serving image of one model",
        [
            Row("image size", "MB", sizes["modelyard"], peer, theirs, target=0.5),
            Row(
                "image size above the base",
                "MB",
                sizes["modelyard"] - base,
                peer,
                theirs - base if theirs else 0.0,
                note=f"base {BASE_IMAGE}: {base:.0f} MB",
            ),
        ],
        details=details,
        notes=[
            f"both FROM {BASE_IMAGE} ({base:.0f} MB, Debian bookworm's Python 3.11),"
            f" built with podman ({_storage_driver()} storage, --format docker)",
            "modelyard: the baked project's own Dockerfile with its trained model;"
            " MLflow: `mlflow models generate-dockerfile --env-manager local` of the same"
            " estimator, its FROM line pointed at the local base plus a venv on PATH",
            "each image was run and answered a prediction before its size counted",
            "matplotlib and the packages only it needs take"
            f" {details['plotting_stack_mb'].get('modelyard', 0)} MB of the modelyard image",
            "build seconds: " + ", ".join(f"{k} {v}" for k, v in details["build_seconds"].items()),
        ],
    )


def _baked_and_trained(work: Path) -> tuple[Path, list[dict]]:
    """Bake the default project, train its model with `modelyard train`; return it and rows."""
    from cookiecutter.main import cookiecutter

    project = Path(cookiecutter(str(REPO), no_input=True, output_dir=str(work)))
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    subprocess.run(
        [str(bin_dir / "modelyard"), "train"],
        cwd=project,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    code = (
        "from modelyard.config import load_settings; from modelyard.project import build_dataset; "
        "print(build_dataset(load_settings()).x.head(3).to_json(orient='records'))"
    )
    rows = json.loads(_run([sys.executable, "-c", code], cwd=project, env=env))
    return project, rows


def _mlflow_context(project: Path, work: Path) -> Path:
    """MLflow's generated Dockerfile and model folder for the project's fitted estimator."""
    version = max((project / "models" / PROJECT).iterdir(), key=lambda p: int(p.name))
    model = mlflow_model(version / "model.skops", work / "mlflow-model")
    mlflow = mlflow_python().parent / "mlflow"
    context = work / "mlflow-context"
    env = {**os.environ, "PATH": f"{mlflow.parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(
        [
            str(mlflow),
            "models",
            "generate-dockerfile",
            "-m",
            str(model),
            "--env-manager",
            "local",
            "-d",
            str(context),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    dockerfile = context / "Dockerfile"
    text, replaced = re.subn(
        r"^FROM \S+\n", MLFLOW_BASE, dockerfile.read_text(), count=1, flags=re.MULTILINE
    )
    if replaced != 1 or f"mlflow=={MLFLOW_VERSION}" not in text:
        raise SystemExit(f"MLflow's generated Dockerfile is not the expected one:\n{text}")
    dockerfile.write_text(text)
    return context


@contextmanager
def _team_index(work: Path) -> Iterator[str]:
    """A team index on 127.0.0.1 holding modelyard's wheel and proxying PyPI for the rest.

    The template's Dockerfile takes one PIP_INDEX_URL and nothing else (no extra index,
    no find-links), so the build gets what a team's pypiserver or devpi would give it.
    """
    root = work / "index"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "packages"),
         str(REPO / "core_lib")],
        check=True,
    )  # fmt: skip
    with running_index(root, fallback_url=upstream_index_url()) as index:
        yield index.simple_url


def _build(tag: str, context: Path, extra: list[str]) -> None:
    command = [ENGINE, "build", *BUILD_FLAGS, "--build-arg", f"BASE_IMAGE={BASE_IMAGE}"]
    print(f"--- building {tag}", flush=True)
    done = subprocess.run(
        [*command, *extra, "-t", tag, "."], cwd=context, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"building {tag} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")


def _storage_driver() -> str:
    """podman's storage driver on this machine (overlay, or vfs where overlays cannot mount)."""
    return _run([ENGINE, "info", "--format", "{{.Store.GraphDriverName}}"]).strip()


def _layers(tag: str) -> list[dict]:
    """Each layer's size in MB and the instruction that made it, largest first."""
    lines = _run([ENGINE, "history", "--no-trunc", "--format", "{{.Size}}\t{{.CreatedBy}}", tag])
    layers = []
    for line in lines.splitlines():
        size, _, created = line.partition("\t")
        layers.append({"size": size, "created_by": created.strip()[:160]})
    return layers


def _largest_packages(tag: str, site: str) -> list[str]:
    """The ten largest folders in the image's site-packages, as `du -sm` reports them."""
    script = f"du -sm {site}/* | sort -rn | head -10"
    done = subprocess.run(
        [ENGINE, "run", "--rm", "--entrypoint", "sh", tag, "-c", script],
        capture_output=True,
        text=True,
    )
    return [" ".join(line.split()) for line in done.stdout.splitlines()]


def _folders_mb(tag: str, site: str, folders: tuple[str, ...]) -> int:
    """Megabytes the named site-packages folders take in the image, together (``du -smc``)."""
    paths = " ".join(f"{site}/{folder}" for folder in folders)
    done = subprocess.run(
        [ENGINE, "run", "--rm", "--entrypoint", "sh", tag, "-c", f"du -smc {paths} 2>/dev/null"],
        capture_output=True,
        text=True,
    )
    total = done.stdout.strip().splitlines()[-1].split() if done.stdout.strip() else ["0"]
    return int(total[0])


def _check_answers(rows: list[dict], built: list[str]) -> dict:
    """Run each built image; each must be ready and predict, and both the same labels."""
    answers = {}
    if "modelyard" in built:
        answers["modelyard"] = _run_and_ask(
            "modelyard",
            ["-e", "MODELYARD_HOST=127.0.0.1", "-e", "MODELYARD_PORT={port}"],
            [],
            "/health/ready",
            "/predict",
            {"rows": rows},
        )
    if "mlflow" in built:
        data = [list(row.values()) for row in rows]
        answers["mlflow"] = _run_and_ask(
            "mlflow",
            [],
            # The generated entrypoint starts nginx on the fixed port 8080 in front of uvicorn on
            # 8000; on the host network those may be taken. MLflow's own server command on a
            # free port serves the same model from the same image.
            ["--entrypoint", "mlflow"],
            "/ping",
            "/invocations",
            {"dataframe_split": {"columns": list(rows[0]), "data": data}},
            command=[
                "models",
                "serve",
                "-m",
                "/opt/ml/model",
                "--env-manager",
                "local",
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
                "--workers",
                "1",
            ],
        )
    predicted = [list(answer["predictions"]) for answer in answers.values()]
    if any(labels != predicted[0] for labels in predicted):
        raise SystemExit(f"the images predict differently: {answers}")
    return answers


def _run_and_ask(
    name: str,
    env: list[str],
    options: list[str],
    ready: str,
    path: str,
    body: dict,
    command: list[str] | None = None,
) -> dict:
    port = free_port()
    container = f"{name}-image-bench-{os.getpid()}"
    fill = [part.replace("{port}", str(port)) for part in [*env, *(command or [])]]
    environment = fill[: len(env)]
    arguments_ = fill[len(env) :]
    subprocess.run(
        [
            ENGINE,
            "run",
            "-d",
            "--name",
            container,
            "--network",
            "host",
            *environment,
            *options,
            TAGS[name],
            *arguments_,
        ],
        check=True,
        capture_output=True,
    )
    try:
        _wait_ready(port, ready, container)
        status, answer = _post(port, path, body)
        if status != 200:
            raise SystemExit(f"{name} image answered {status} on {path}: {answer}")
        return {"status": status, "predictions": answer["predictions"]}
    finally:
        subprocess.run([ENGINE, "rm", "-f", "-t", "5", container], capture_output=True, check=False)


def _wait_ready(port: int, path: str, container: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    logs = subprocess.run([ENGINE, "logs", container], capture_output=True, text=True)
    output = logs.stdout[-3000:] + logs.stderr[-3000:]
    raise SystemExit(f"{container} not ready within {timeout:.0f} s:\n{output}")


def _post(port: int, path: str, body: dict) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "POST", path, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    answer = connection.getresponse()
    return answer.status, json.loads(answer.read())


def _run(command: list[str], **options) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, **options).stdout


if __name__ == "__main__":
    main()
