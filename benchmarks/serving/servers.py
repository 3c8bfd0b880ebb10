"""Serving a modelyard model and measuring a server: what the serving benchmarks share.

The serving benchmark (``run.py``) and the cost of drift tracking
(``monitoring/serving_cost.py``) both train the same small models, start
``modelyard serve`` on them and measure a server the same way:

- :func:`train` fits and saves one of the two models on the breast-cancer data;
- :func:`modelyard_server` describes how to start ``modelyard serve`` on it;
- :func:`measure` starts a described server alone on a free port of 127.0.0.1,
  checks it answers, and measures single-row latency (one keep-alive client,
  sequential requests) and throughput (wrk when installed, else an asyncio
  client; :data:`CONNECTIONS` connections);
- :func:`running` and :func:`measure_at` are its two halves, for servers that
  stay up while others are measured in turns.

A server is described by a dict: ``command`` (``{port}`` is replaced), ``env``
(added to this process's environment), ``ready`` (a path answering 200 once it
is up, or None to wait for the port), ``path`` (where predictions are asked),
``bodies`` (request bodies to try, first accepted wins), and optionally
``prepare`` (called with the port before start) and ``v2`` (answers in the V2
protocol's form).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the harness
from harness import free_port

CONNECTIONS = 16
#: modelyard's compiled prediction path (ONNX), ``off`` or ``auto``: the environment variable
#: the server reads.
COMPILED_ENV = "MODELYARD_COMPILED"

# --- the models -------------------------------------------------------------------------------


def train(kind: str, work: Path) -> Path:
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


def rows(folder: Path, n: int = 1) -> tuple[list[str], list[list[float]]]:
    """The feature names and the first ``n`` rows of the breast-cancer data the models take."""
    from modelyard.data import demo_dataset

    x = demo_dataset("breast_cancer").x
    return list(x.columns), x.head(n).to_numpy().tolist()


# --- the servers: each is (command, env, path, body of one row) ------------------------------


def modelyard_server(folder: Path, compiled: str = "off") -> dict[str, Any]:
    """``modelyard serve`` on a saved model version, asked on ``/predict`` with one row.

    ``compiled`` is the value of :data:`COMPILED_ENV` the server starts with.
    """
    columns, data = rows(folder)
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


# --- measuring --------------------------------------------------------------------------------


def measure(name: str, server: dict[str, Any], folder: Path, requests: int, duration: int) -> dict:
    """Start ``server`` alone, measure it (:func:`measure_at`) and stop it."""
    with running(server) as (port,):
        return measure_at(port, name, server, folder, requests, duration)


@contextmanager
def running(*servers: dict[str, Any]) -> Iterator[list[int]]:
    """Start the described servers together, each on a free port of 127.0.0.1; yield their ports.

    The ports are yielded once every server answers (their start-ups overlap);
    every server is stopped when the block ends, whatever happens in it.
    """
    started: list[tuple[int, dict[str, Any], subprocess.Popen, Any]] = []
    try:
        for server in servers:
            port = free_port()
            if "prepare" in server:
                server["prepare"](port)
            command = [part.replace("{port}", str(port)) for part in server["command"]]
            log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
            process = subprocess.Popen(
                command, env={**os.environ, **server["env"]}, stdout=log, stderr=subprocess.STDOUT
            )
            started.append((port, server, process, log))
        for port, server, process, log in started:
            _wait_up(port, server, process, log)
        yield [port for port, *_ in started]
    finally:
        for _port, _server, process, log in started:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def measure_at(
    port: int, name: str, server: dict[str, Any], folder: Path, requests: int, duration: int
) -> dict:
    """Measure the running ``server`` on ``port``: its answer, latencies and throughput.

    ``requests`` sequential single-row requests on one keep-alive connection
    (after a tenth as many for warm-up) give ``p50_ms`` and ``p99_ms``;
    ``duration`` seconds of load give ``requests_per_s`` and ``errors``.
    ``prediction`` is the server's answer to the one-row body, for checking
    that servers agree. ``name`` and ``folder`` label the printed line.
    """
    body = _working_body(port, server)
    predictions = _predictions(port, server["path"], body, server.get("v2", False))
    latencies = _latencies(port, server["path"], body, requests)
    throughput = _throughput(port, server["path"], body, duration)
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
    output = run_text(
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
    return {"requests_per_s": rate, "errors": errors, "load_generator": f"wrk -t2 -c{CONNECTIONS}"}


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
        "load_generator": f"python asyncio, {CONNECTIONS} connections",
    }


def run_text(args: list) -> str:
    """Run a command and return what it printed; stop the benchmark with its output if it fails."""
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout
