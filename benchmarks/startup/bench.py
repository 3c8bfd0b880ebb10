"""Import time and cold start: modelyard against MLflow 3.17.2, each from its own venv.

Paired measurements, alternating, order rotated every repetition:

- **import**: ``python -c "import modelyard"`` in modelyard's venv against
  ``python -c "import mlflow"`` in MLflow's venv, in wall seconds of the
  subprocess minus a bare ``python -c pass`` of the same interpreter run just
  before it (so the interpreter's own start-up is not counted for either).
  12 repetitions (smoke: 1). modelyard's venv holds ``modelyard[serve]`` only
  (``benchmarks/startup/.venv-modelyard``, made on first use), as a server's would;
  smoke mode uses the running interpreter's environment instead.
- **cold start**: wall seconds from launching ``modelyard serve MODEL_DIR``
  until ``GET /health/ready`` answers 200, against launching
  ``mlflow models serve -m MLFLOW_DIR --env-manager local --workers 1`` until
  ``GET /ping`` answers 200. Both serve the same fitted estimator (a scaled
  LogisticRegression pipeline on the breast-cancer data): modelyard's saved
  version, and that estimator saved with ``mlflow.sklearn.save_model`` in
  MLflow's venv. The port is polled every 10 ms over a socket on 127.0.0.1;
  each server is started in its own process group and stopped with SIGTERM
  (SIGKILL after 10 s). 6 repetitions after one warm-up round that fills the
  page cache (smoke: 1, no warm-up). Target: modelyard at most a third of MLflow.
  Beside them, the serving benchmark's bare FastAPI floor (``floor_app.py``:
  ``skops.io.load`` of the same file at import, one route, uvicorn; in
  modelyard's venv) until ``GET /openapi.json`` answers 200: what a Python
  server of this stack pays at least to start, to read the target against.

Each server's first answer is checked to be a working prediction after the
ready answer, outside the timed part, so neither is ready in name only.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import (
    Row,
    alternate,
    arguments,
    free_port,
    median,
    mlflow_model,
    mlflow_python,
    peer_python,
    write,
)

POLL_SECONDS = 0.01
START_TIMEOUT = 120
HERE = Path(__file__).resolve().parent
# modelyard as a server is deployed: its own venv with only modelyard[serve], as MLflow has its own.
SERVE_VENV = HERE / ".venv-modelyard"
#: Where the serving benchmark's bare FastAPI floor lives (``floor_app.py``).
FLOOR_DIR = HERE.parent / "serving"


def main() -> None:
    """Measure import time and cold start of both tools and write the rows."""
    args = arguments(__doc__.splitlines()[0])
    repetitions = 1 if args.smoke else 6
    import_repetitions = 1 if args.smoke else 12
    mlflow = mlflow_python()
    # Smoke mode checks the code paths, not the figures: this interpreter's environment
    # will do, and saves CI making a venv it would measure nothing with.
    modelyard = Path(sys.executable) if args.smoke else _serve_python()
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as work:
        folder, rows = _train(Path(work))
        mlflow_dir = mlflow_model(folder / "model.skops", Path(work) / "mlflow-model")
        imports = alternate(
            {
                "modelyard": lambda: _import_seconds(modelyard, "modelyard"),
                "mlflow": lambda: _import_seconds(mlflow, "mlflow"),
            },
            import_repetitions,
        )
        servers = {
            "modelyard": _modelyard_server(modelyard, folder, rows),
            "mlflow": _mlflow_server(mlflow, mlflow_dir, rows),
            "floor": _floor_server(modelyard, folder, rows),
        }
        starts = alternate(
            {name: (lambda server=server: _cold_start(server)) for name, server in servers.items()},
            repetitions,
            warmup=0 if args.smoke else 1,
        )

    def cold_start(peer: str, name: str, **extra: Any) -> Row:
        mine, theirs = median(starts["modelyard"]), median(starts[peer])
        return Row("cold start to a ready answer", "s", mine, name, theirs, **extra)

    floor_share = median(starts["floor"]) / median(starts["mlflow"])
    rows_out = [
        Row("import time", "s", median(imports["modelyard"]), "mlflow", median(imports["mlflow"])),
        cold_start(
            "mlflow",
            "mlflow models serve",
            target=1 / 3,
            note="modelyard /health/ready 200 vs mlflow /ping 200",
        ),
        cold_start(
            "floor", "bare FastAPI floor", note=f"the floor's is {floor_share:.2f}x MLflow's"
        ),
    ]
    write(
        args.output,
        "startup",
        "import time and cold start to a ready answer",
        rows_out,
        details={
            "import_seconds": imports,
            "cold_start_seconds": starts,
            "serve_imports_by_package": _import_breakdown(modelyard),
        },
        notes=[
            f"import: wall time of `python -c 'import X'` minus `python -c pass` of the same"
            f" interpreter, median of {import_repetitions}",
            f"cold start: launch to first 200 of modelyard /health/ready and mlflow /ping,"
            f" polled every {POLL_SECONDS * 1000:.0f} ms, median of {repetitions}",
            "same fitted estimator (StandardScaler + LogisticRegression, breast cancer);"
            " one worker each; MLflow from its own venv with --env-manager local",
            "the bare FastAPI floor (benchmarks/serving/floor_app.py: skops.io.load, one"
            " route, uvicorn) in modelyard's venv is the least a Python server of this stack"
            " pays to start; its ready answer is GET /openapi.json",
        ],
    )


def _train(work: Path) -> tuple[Path, list[list[float]]]:
    """Train and save the modelyard model; return its version folder and two feature rows."""
    from modelyard import Model
    from modelyard.data import demo_dataset
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = demo_dataset("breast_cancer")
    model = Model(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)), name="cold")
    model.train(data, run_dir=work / "runs")
    folder = Path(model.save(work / "models").path)
    return folder, [list(data.x.columns), data.x.head(2).to_numpy().tolist()]


def _serve_python() -> Path:
    """The interpreter of a venv holding modelyard[serve] and nothing else, made on first use.

    The development venv also holds dask and pytest, which scikit-learn imports when they are
    installed (skops lists every estimator at import): a server's venv would not have them.
    modelyard is installed editable, so the venv follows the working tree's code.
    """
    core = HERE.parents[1] / "core_lib"
    return peer_python(SERVE_VENV, ["-e", f"{core}[serve]"], "modelyard[serve]")


def _import_seconds(python: Path, module: str) -> float:
    bare = _wall([str(python), "-c", "pass"])
    return _wall([str(python), "-c", f"import {module}"]) - bare


def _import_breakdown(python: Path) -> dict[str, float]:
    """Seconds of ``python -X importtime`` per top-level package for what serving imports.

    Where modelyard's cold start goes: nearly all of it is these imports.
    """
    modules = "modelyard.cli, modelyard.serving.app, skops.io, uvicorn"
    done = subprocess.run(
        [str(python), "-X", "importtime", "-c", f"import {modules}"],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds: dict[str, float] = {}
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            package = parts[2].strip().split(".")[0]
            seconds[package] = seconds.get(package, 0.0) + int(parts[0]) / 1e6
    ranked = sorted(seconds.items(), key=lambda item: -item[1])
    return {name: round(value, 3) for name, value in ranked[:12]}


def _wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _modelyard_server(python: Path, folder: Path, rows: list) -> dict:
    columns, data = rows
    return {
        "command": [str(python.parent / "modelyard"), "serve", str(folder), "--port", "{port}"],
        "env": {},
        "ready": "/health/ready",
        "predict": "/predict",
        "body": {"rows": [dict(zip(columns, row, strict=True)) for row in data]},
    }


def _floor_server(python: Path, folder: Path, rows: list) -> dict:
    """The serving benchmark's bare FastAPI floor: it loads the model file at import, then binds."""
    _columns, data = rows
    command = [str(python), "-m", "uvicorn", "floor_app:app", "--app-dir", str(FLOOR_DIR)]
    command += ["--port", "{port}", "--no-access-log", "--log-level", "warning"]
    return {
        "command": command,
        "env": {"FLOOR_MODEL": str(folder / "model.skops")},
        "ready": "/openapi.json",
        "predict": "/predict",
        "body": data,
    }


def _mlflow_server(python: Path, model_dir: Path, rows: list) -> dict:
    columns, data = rows
    command = [str(python.parent / "mlflow"), "models", "serve", "-m", str(model_dir)]
    command += ["--env-manager", "local", "--host", "127.0.0.1", "--port", "{port}"]
    return {
        "command": [*command, "--workers", "1"],
        # mlflow starts `uvicorn` by name: its venv's bin must come first on PATH.
        "env": {"PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}"},
        "ready": "/ping",
        "predict": "/invocations",
        "body": {"dataframe_split": {"columns": columns, "data": data}},
    }


def _cold_start(server: dict) -> float:
    """Launch the server, return seconds until its ready path answers 200, then stop it."""
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in server["command"]]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below, after the server stops
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env={**os.environ, **server["env"]},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: mlflow's uvicorn child stops with it
    )
    try:
        elapsed = _wait_ready(process, port, server["ready"], started, log)
        _check_prediction(port, server)
        return elapsed
    finally:
        _stop(process)
        log.close()


def _wait_ready(
    process: subprocess.Popen, port: int, path: str, started: float, log: object
) -> float:
    while time.perf_counter() - started < START_TIMEOUT:
        if process.poll() is not None:
            log.seek(0)  # type: ignore[attr-defined]
            output = log.read().decode(errors="replace")[-3000:]  # type: ignore[attr-defined]
            raise SystemExit(f"{process.args[0]} exited early:\n{output}")
        if _status(port, path) == 200:
            return time.perf_counter() - started
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"{process.args} was not ready within {START_TIMEOUT} s")


def _status(port: int, path: str) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def _check_prediction(port: int, server: dict) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        body = json.dumps(server["body"]).encode()
        headers = {"Content-Type": "application/json"}
        connection.request("POST", server["predict"], body=body, headers=headers)
        answer = connection.getresponse()
        text = answer.read().decode()
    finally:
        connection.close()
    if answer.status != 200:
        raise SystemExit(f"{server['predict']} answered {answer.status}: {text[:500]}")


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        process.wait()
    # uvicorn children may outlive their parent for a moment: reap the whole group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
