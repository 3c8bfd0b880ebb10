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
import json
import os
import platform
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the harness
from harness import free_port, machine
from harness import mlflow_python as harness_mlflow_python
from harness import mlserver_python as harness_mlserver_python

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the shared serving helpers
from servers import measure, modelyard_server, rows, run_text, train

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
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
    try:
        results = {"machine": machine(), "versions": _versions(), "models": {}}
        mlflow_python = harness_mlflow_python()
        results["versions"]["mlflow"] = run_text([mlflow_python, "-c", _MLFLOW_VERSION]).strip()
        mlserver_python = harness_mlserver_python()
        results["versions"]["mlserver"] = run_text(
            [mlserver_python, "-c", _MLSERVER_VERSION]
        ).strip()
        for model in ("logistic_regression", "random_forest"):
            folder = train(model, work)
            servers = {
                "modelyard": modelyard_server(folder, compiled="off"),
                "modelyard_v2": _modelyard_v2_server(folder),
                "mlflow": _mlflow_server(mlflow_python, folder, work / f"mlflow-{model}"),
                "mlserver": _mlserver_server(mlserver_python, folder, work / f"mlserver-{model}"),
                "floor": _floor_server(folder),
                "constant": _constant_server(folder),
            }
            if _compiled_path():
                servers["modelyard_compiled"] = modelyard_server(folder, compiled="auto")
            results["models"][model] = {
                name: measure(name, server, folder, requests, duration)
                for name, server in servers.items()
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


def _v2_body(folder: Path) -> dict[str, Any]:
    """One row as one 2-D FP64 tensor, the form both modelyard and MLServer's numpy codec take."""
    _columns, data = rows(folder)
    return {
        "inputs": [
            {"name": "input-0", "datatype": "FP64", "shape": [1, len(data[0])], "data": data}
        ],
        "outputs": [{"name": "predict"}],
    }


def _modelyard_v2_server(folder: Path) -> dict[str, Any]:
    server = modelyard_server(folder)
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
    columns, data = rows(folder)
    return {
        **server,
        "command": [part.replace("floor_app", "constant_app") for part in server["command"]],
        "env": {},
        "bodies": [{"rows": [dict(zip(columns, data[0], strict=True))]}],
    }


def _mlflow_server(python: Path, folder: Path, target: Path) -> dict[str, Any]:
    run_text([python, str(HERE / "mlflow_model.py"), str(folder / "model.skops"), str(target)])
    columns, data = rows(folder)
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
    _columns, data = rows(folder)
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
