"""Serving: modelyard's server against MLflow, MLServer, a bare floor and a constant endpoint.

    python benchmarks/serving/bench.py            # 1,000 requests + 10 s of load per server
    python benchmarks/serving/bench.py --smoke    # 50 requests + 2 s of load per server

Runs the serving benchmark of ``run.py`` (its docstring and the README say
what is served how): the same fitted estimator file served by ``modelyard
serve``, by ``mlflow models serve --env-manager local`` (MLflow in its own
venv) and by a bare FastAPI endpoint calling ``estimator.predict`` (the
floor), by MLServer's scikit-learn runtime (its own venv; against modelyard's
V2 endpoint, the same protocol), and a constant endpoint that parses the same
request and answers a fixed label (the limit of the HTTP stack); one worker
each on 127.0.0.1, one server at a time, for a scaled LogisticRegression
pipeline and a 100-tree RandomForest. Rows, per model: throughput with 16
connections and single-row p50 latency, modelyard against each peer.

Targets (from the serving issues): at least 3x MLflow's throughput, at least
1.0x the floor's, a p50 at most 1.25x the floor's; against MLServer at least
1.5x its throughput and at most 0.67x its p50. With the compiled path
(``MODELYARD_COMPILED=auto``, measured when this modelyard has one) at least
0.7x the constant endpoint's throughput and a p50 at most 1.2x its.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import run

#: (measure, modelyard's contender, peer) -> target ratio, from the serving issues.
TARGETS = {
    ("throughput", "modelyard", "mlflow"): 3.0,
    ("throughput", "modelyard", "floor"): 1.0,
    ("p50", "modelyard", "floor"): 1.25,
    ("throughput", "modelyard_v2", "mlserver"): 1.5,
    ("p50", "modelyard_v2", "mlserver"): 0.67,
    ("throughput", "modelyard_compiled", "floor"): 1.0,
    ("throughput", "modelyard_compiled", "constant"): 0.7,
    ("p50", "modelyard_compiled", "constant"): 1.2,
}
PEERS = {
    "mlflow": "mlflow models serve",
    "floor": "bare FastAPI floor",
    "constant": "constant endpoint",
    "mlserver": "MLServer (V2)",
}
#: Which modelyard contender meets which peers: /predict against the JSON servers, the
#: V2 endpoint against MLServer (the same protocol and body), the compiled path (when
#: this modelyard has one, ``MODELYARD_COMPILED=auto``) against the floor and the constant.
PAIRS = {
    "modelyard": ("mlflow", "floor", "constant"),
    "modelyard_v2": ("mlserver",),
    "modelyard_compiled": ("floor", "constant"),
}
MINE = {
    "modelyard": "modelyard",
    "modelyard_v2": "modelyard V2",
    "modelyard_compiled": "modelyard compiled",
}


def main(argv: list[str] | None = None) -> int:
    """Measure every server on both models and write the rows."""
    args = harness.arguments(__doc__.splitlines()[0], argv)
    requests, duration = (50, 2) if args.smoke else (1000, 10)
    results = run.measure_all(requests, duration)
    rows = []
    for model, measured in results["models"].items():
        label = model.replace("_", " ")
        for measure, unit, key, better in (
            ("throughput", "req/s", "requests_per_s", "higher"),
            ("p50 latency", "ms", "p50_ms", "lower"),
        ):
            for mine, peers in PAIRS.items():
                if mine not in measured:
                    continue
                for peer in peers:
                    rows.append(
                        harness.Row(
                            f"{measure}, {label}"
                            + ("" if mine == "modelyard" else f", {MINE[mine]}"),
                            unit,
                            measured[mine][key],
                            PEERS[peer],
                            measured[peer][key],
                            better=better,
                            target=TARGETS.get((measure.split()[0], mine, peer)),
                        )
                    )
    generator = results["models"]["logistic_regression"]["modelyard"]["load_generator"]
    notes = [
        f"one server at a time, one worker, 127.0.0.1; p50 of {requests} sequential "
        f"single-row requests on one keep-alive connection; throughput: {generator}, "
        f"{duration} s per server.",
        "every server but the constant endpoint answers with labels from the same "
        "estimator file, checked equal first; the constant endpoint parses modelyard's "
        "/predict body and answers a fixed label.",
        f"MLflow {results['versions']['mlflow']} from its own venv, --env-manager local.",
        f"MLServer {results['versions']['mlserver']} with mlserver-sklearn from its own venv, "
        "parallel_workers 0 (one process); it and modelyard's V2 endpoint get the same "
        "body, one 2-D FP64 tensor.",
    ]
    harness.write(
        args.output,
        "serving",
        "model server vs MLflow, MLServer, a bare FastAPI floor and a constant endpoint",
        rows,
        results,
        notes,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
