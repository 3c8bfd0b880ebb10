"""Serving benchmark: modelyard vs MLflow's model server vs a bare FastAPI floor, in one run.

    .venv/bin/python benchmarks/serving/run.py            # about 4 minutes
    .venv/bin/python benchmarks/serving/run.py --quick    # a smoke run, seconds per server

For two models (a scaled LogisticRegression pipeline, where per-request overhead
dominates, and a 100-tree RandomForest) on the breast-cancer data, each server
runs alone with one worker on 127.0.0.1 and is measured for

- single-row latency: one keep-alive client, sequential requests, p50 and p99;
- throughput: wrk (or, without wrk, a Python asyncio client) with 16 connections.

Every server answers with labels from the same fitted estimator file, checked
before measuring. Results go to ``--output`` as JSON and Markdown with the
machine, the versions and the ratios modelyard / MLflow and modelyard / floor.
MLflow runs from its own venv (``benchmarks/serving/.venv-mlflow``, created on
first use with mlflow 3.17.2), never from the project's.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the harness
from harness import free_port, machine
from harness import mlflow_python as harness_mlflow_python
from harness import mlserver_python as harness_mlserver_python

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CONNECTIONS = 16
#: modelyard's compiled prediction path (ONNX), ``off`` or ``auto``: the environment variable
#: the server reads. With it, modelyard is measured twice: ``modelyard`` (off) and
#: ``modelyard_compiled`` (auto); see :func:`_compiled_path`.
COMPILED_ENV = "MODELYARD_COMPILED"
#: The servers whose predictions must agree (the constant endpoint answers a fixed label).
PREDICTING = ("modelyard", "modelyard_v2", "mlflow", "mlserver", "floor")


def main() -> int:
    """Measure every server on every model and write the report."""
    args = _arguments()
    _write(measure_all(args.requests, args.duration), Path(args.output), args.label)
    return 0


def measure_all(requests: int, duration: int) -> dict:
    """Serve both models three ways and measure each; the figures, machine and versions.

    ``requests`` single-row requests for the latencies, then ``duration``
    seconds of load for the throughput, per server and model.
    """
    work = Path(tempfile.mkdtemp(prefix="serving-bench-"))
    settings = argparse.Namespace(requests=requests, duration=duration)
    try:
        results = {"machine": machine(), "versions": _versions(), "models": {}}
        mlflow_python = harness_mlflow_python()
        results["versions"]["mlflow"] = _run_text([mlflow_python, "-c", _MLFLOW_VERSION]).strip()
        mlserver_python = harness_mlserver_python()
        results["versions"]["mlserver"] = _run_text(
            [mlserver_python, "-c", _MLSERVER_VERSION]
        ).strip()
        for model in ("logistic_regression", "random_forest"):
            folder = _train(model, work)
            servers = {
                "modelyard": _modelyard_server(folder, compiled="off"),
                "modelyard_v2": _modelyard_v2_server(folder),
                "mlflow": _mlflow_server(mlflow_python, folder, work / f"mlflow-{model}"),
                "mlserver": _mlserver_server(mlserver_python, folder, work / f"mlserver-{model}"),
                "floor": _floor_server(folder),
                "constant": _constant_server(folder),
            }
            if _compiled_path():
                servers["modelyard_compiled"] = _modelyard_server(folder, compiled="auto")
            results["models"][model] = {
                name: _measure(name, server, folder, settings) for name, server in servers.items()
            }
            results["models"][model]["ratios"] = _ratios(results["models"][model])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


_MLFLOW_VERSION = "import mlflow; print(mlflow.__version__)"
_MLSERVER_VERSION = "import mlserver; print(mlserver.__version__)"


def _compiled_path() -> bool:
    """Whether this modelyard has a compiled (ONNX) prediction path to measure with and without.

    The path reads ``MODELYARD_COMPILED`` (``off`` or ``auto``); until it exists
    (its extra installed) only the ``modelyard`` rows, without it, are measured.
    """
    from importlib.util import find_spec

    return find_spec("onnxruntime") is not None and find_spec("modelyard.compiled") is not None


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: few requests")
    parser.add_argument("--requests", type=int, default=1000, help="single-row requests")
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per server")
    parser.add_argument("--label", default="serving", help="name of the result files")
    parser.add_argument(
        "--output", default=str(REPO / "benchmarks" / "results" / "scratch"), help="folder"
    )
    args = parser.parse_args()
    if args.quick:
        args.requests, args.duration = 50, 2
    return args


# --- the models -------------------------------------------------------------------------------


def _train(kind: str, work: Path) -> Path:
    """Train one model with modelyard, save it, and return its version folder."""
    from modelyard import Model
    from modelyard.data import demo_dataset
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    estimator = (
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        if kind == "logistic_regression"
        else RandomForestClassifier(n_estimators=100, random_state=0)
    )
    model = Model(estimator, name=kind.replace("_", "-"))
    model.train(demo_dataset("breast_cancer"), run_dir=work / "runs")
    return model.save(work / "models").path


def _rows(folder: Path, n: int = 1) -> tuple[list[str], list[list[float]]]:
    from modelyard.data import demo_dataset

    x = demo_dataset("breast_cancer").x
    return list(x.columns), x.head(n).to_numpy().tolist()


# --- the servers: each is (command, env, path, body of one row) ------------------------------


def _modelyard_server(folder: Path, compiled: str = "off") -> dict[str, Any]:
    columns, data = _rows(folder)
    return {
        "command": [
            sys.executable,
            "-m",
            "modelyard.cli",
            "serve",
            str(folder),
            "--port",
            "{port}",
        ],
        "env": {COMPILED_ENV: compiled},
        "ready": "/health",
        "path": "/predict",
        "bodies": [
            {"rows": [dict(zip(columns, data[0], strict=True))]},
            [dict(zip(columns, data[0], strict=True))],  # before the {"rows": ...} body existed
        ],
    }


def _v2_body(folder: Path) -> dict[str, Any]:
    """One row as one 2-D FP64 tensor, the form both modelyard and MLServer's numpy codec take."""
    _columns, data = _rows(folder)
    return {
        "inputs": [
            {"name": "input-0", "datatype": "FP64", "shape": [1, len(data[0])], "data": data}
        ],
        "outputs": [{"name": "predict"}],
    }


def _modelyard_v2_server(folder: Path) -> dict[str, Any]:
    server = _modelyard_server(folder)
    name = folder.parent.name
    return {
        **server,
        "ready": f"/v2/models/{name}/ready",
        "path": f"/v2/models/{name}/infer",
        "bodies": [_v2_body(folder)],
        "v2": True,
    }


def _mlserver_server(python: Path, folder: Path, target: Path) -> dict[str, Any]:
    """MLServer's scikit-learn runtime on the same estimator, dumped with joblib for it."""
    import joblib
    from modelyard import load_model

    target.mkdir(parents=True)
    joblib.dump(load_model(folder).estimator, target / "model.joblib")
    settings = {
        "name": "model",
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib"},
    }
    (target / "model-settings.json").write_text(json.dumps(settings))

    def prepare(port: int) -> None:
        # One process, as modelyard's one worker: inference in the server process itself.
        server_settings = {
            "http_port": port,
            "grpc_port": free_port(),
            "metrics_port": free_port(),
            "parallel_workers": 0,
            "debug": False,
        }
        (target / "settings.json").write_text(json.dumps(server_settings))

    return {
        "command": [str(python.parent / "mlserver"), "start", str(target)],
        "env": {"PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}"},
        "ready": "/v2/models/model/ready",
        "path": "/v2/models/model/infer",
        "bodies": [_v2_body(folder)],
        "prepare": prepare,
        "v2": True,
    }


def _constant_server(folder: Path) -> dict[str, Any]:
    server = _floor_server(folder)
    columns, data = _rows(folder)
    return {
        **server,
        "command": [part.replace("floor_app", "constant_app") for part in server["command"]],
        "env": {},
        "bodies": [{"rows": [dict(zip(columns, data[0], strict=True))]}],
    }


def _mlflow_server(python: Path, folder: Path, target: Path) -> dict[str, Any]:
    _run_text([python, str(HERE / "mlflow_model.py"), str(folder / "model.skops"), str(target)])
    columns, data = _rows(folder)
    return {
        "command": [
            str(python.parent / "mlflow"),
            "models",
            "serve",
            "-m",
            str(target),
            "--env-manager",
            "local",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--workers",
            "1",
        ],
        # mlflow starts `uvicorn` by name: its venv's bin must come first on PATH.
        "env": {"PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}"},
        "ready": "/ping",
        "path": "/invocations",
        "bodies": [{"dataframe_split": {"columns": columns, "data": data}}],
    }


def _floor_server(folder: Path) -> dict[str, Any]:
    _columns, data = _rows(folder)
    return {
        "command": [
            sys.executable,
            "-m",
            "uvicorn",
            "floor_app:app",
            "--app-dir",
            str(HERE),
            "--port",
            "{port}",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        "env": {"FLOOR_MODEL": str(folder / "model.skops")},
        "ready": None,
        "path": "/predict",
        "bodies": [data],
    }


# --- measuring --------------------------------------------------------------------------------


def _measure(name: str, server: dict[str, Any], folder: Path, args: argparse.Namespace) -> dict:
    port = free_port()
    if "prepare" in server:
        server["prepare"](port)
    command = [part.replace("{port}", str(port)) for part in server["command"]]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(
        command, env={**os.environ, **server["env"]}, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_up(port, server, process, log)
        body = _working_body(port, server)
        predictions = _predictions(port, server["path"], body, server.get("v2", False))
        latencies = _latencies(port, server["path"], body, args.requests)
        throughput = _throughput(port, server["path"], body, args.duration)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    print(
        f"{folder.parent.name:>20} {name:>10}: p50 {latencies['p50_ms']:.2f} ms, "
        f"p99 {latencies['p99_ms']:.2f} ms, {throughput['requests_per_s']:.0f} req/s "
        f"({throughput['errors']} errors)",
        flush=True,
    )
    return {"prediction": predictions, **latencies, **throughput}


def _wait_up(port: int, server: dict, process: subprocess.Popen, log: Any) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise SystemExit(f"{server['command'][0]} exited:\n{log.read().decode()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            if server["ready"]:
                connection.request("GET", server["ready"])
                if connection.getresponse().status == 200:
                    return
            else:
                connection.connect()
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{server['command']} did not answer within 120 s")


def _working_body(port: int, server: dict) -> bytes:
    """The first of the server's body formats it accepts."""
    for body in server["bodies"]:
        encoded = json.dumps(body).encode()
        status, _answer = _post(
            http.client.HTTPConnection("127.0.0.1", port), server["path"], encoded
        )
        if status == 200:
            return encoded
    raise SystemExit(f"{server['command'][0]} accepted none of the request bodies")


def _post(connection: http.client.HTTPConnection, path: str, body: bytes) -> tuple[int, bytes]:
    connection.request("POST", path, body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, response.read()


def _predictions(port: int, path: str, body: bytes, v2: bool) -> Any:
    _status, answer = _post(http.client.HTTPConnection("127.0.0.1", port), path, body)
    if v2:
        return json.loads(answer)["outputs"][0]["data"]
    return json.loads(answer)["predictions"]


def _latencies(port: int, path: str, body: bytes, requests: int) -> dict[str, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port)  # one keep-alive client
    for _ in range(max(10, requests // 10)):
        _post(connection, path, body)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        status, _answer = _post(connection, path, body)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"single-row request answered {status}")
    quantiles = statistics.quantiles(times, n=100)
    return {"p50_ms": statistics.median(times), "p99_ms": quantiles[98]}


def _throughput(port: int, path: str, body: bytes, duration: int) -> dict[str, Any]:
    if shutil.which("wrk"):
        return _wrk(port, path, body, duration)
    return _python_load(port, path, body, duration)


def _wrk(port: int, path: str, body: bytes, duration: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = {json.dumps(body.decode())}\n"
        )
    output = _run_text(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            script.name,
            f"http://127.0.0.1:{port}{path}",
        ]
    )
    os.unlink(script.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return {"requests_per_s": rate, "errors": errors, "load_generator": "wrk -t2 -c16"}


def _python_load(port: int, path: str, body: bytes, duration: int) -> dict[str, Any]:
    import asyncio

    async def client(deadline: float, counts: list[int]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        request = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        while time.monotonic() < deadline:
            writer.write(request)
            status_line = await reader.readline()
            headers = {}
            while (line := await reader.readline()) not in (b"\r\n", b""):
                key, _, value = line.decode().partition(":")
                headers[key.strip().lower()] = value.strip()
            await reader.readexactly(int(headers.get("content-length", 0)))
            counts[0 if b" 200 " in status_line else 1] += 1
        writer.close()

    async def load() -> list[int]:
        counts = [0, 0]
        deadline = time.monotonic() + duration
        await asyncio.gather(*(client(deadline, counts) for _ in range(CONNECTIONS)))
        return counts

    done, errors = asyncio.run(load())
    return {
        "requests_per_s": (done + errors) / duration,
        "errors": errors,
        "load_generator": "python asyncio, 16 connections",
    }


def _ratios(measured: dict[str, dict]) -> dict[str, float]:
    """modelyard / each peer; against MLServer, modelyard on the same (V2) protocol."""
    answers = {name: measured[name]["prediction"] for name in PREDICTING if name in measured}
    if len({json.dumps(a) for a in answers.values()}) != 1:
        raise SystemExit(f"the servers disagree: {answers}")
    me, v2 = measured["modelyard"], measured["modelyard_v2"]
    ratios = {}
    for peer, mine in (("mlflow", me), ("floor", me), ("constant", me), ("mlserver", v2)):
        ratios[f"throughput_vs_{peer}"] = mine["requests_per_s"] / measured[peer]["requests_per_s"]
        ratios[f"p50_vs_{peer}"] = mine["p50_ms"] / measured[peer]["p50_ms"]
    if "modelyard_compiled" in measured:
        compiled = measured["modelyard_compiled"]
        for peer in ("floor", "constant"):
            ratios[f"compiled_throughput_vs_{peer}"] = (
                compiled["requests_per_s"] / measured[peer]["requests_per_s"]
            )
            ratios[f"compiled_p50_vs_{peer}"] = compiled["p50_ms"] / measured[peer]["p50_ms"]
    return ratios


# --- the report -------------------------------------------------------------------------------


def _write(results: dict, folder: Path, label: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{label}.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        f"# Serving benchmark ({label})",
        "",
        f"Machine: {', '.join(results['machine'].values())}. Versions: "
        + ", ".join(f"{k} {v}" for k, v in results["versions"].items())
        + ".",
        "",
        "| model | server | p50 ms | p99 ms | req/s (16 conn.) | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for model, measured in results["models"].items():
        for server in [name for name in measured if name != "ratios"]:
            m = measured[server]
            lines.append(
                f"| {model} | {server} | {m['p50_ms']:.2f} | {m['p99_ms']:.2f} | "
                f"{m['requests_per_s']:.0f} | {m['errors']} |"
            )
    lines += ["", "| model | ratio | value |", "| --- | --- | ---: |"]
    for model, measured in results["models"].items():
        for name, value in measured["ratios"].items():
            lines.append(f"| {model} | {name.replace('_', ' ')} | {value:.2f}x |")
    report = "\n".join(lines) + "\n"
    (folder / f"{label}.md").write_text(report)
    print("\n" + report + f"\nwritten to {folder}/{label}.json and .md")


def _versions() -> dict[str, str]:
    names = ("modelyard", "fastapi", "uvicorn", "pydantic", "scikit-learn", "numpy", "pandas")
    # mlserver's version is read from its own venv by measure_all
    return {"python": platform.python_version(), **{n: metadata.version(n) for n in names}}


def _run_text(args: list) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


if __name__ == "__main__":
    sys.exit(main())
