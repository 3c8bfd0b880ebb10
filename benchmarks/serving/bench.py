"""Serving: modelyard's server against MLflow's and a bare FastAPI floor, as table rows.

    python benchmarks/serving/bench.py            # 1,000 requests + 10 s of load per server
    python benchmarks/serving/bench.py --smoke    # 50 requests + 2 s of load per server

Runs the serving benchmark of ``run.py`` (its docstring and the README say
what is served how): the same fitted estimator file served by ``modelyard
serve``, by ``mlflow models serve --env-manager local`` (MLflow in its own
venv) and by a bare FastAPI endpoint calling ``estimator.predict`` (the
floor), one worker each on 127.0.0.1, one server at a time, for a scaled
LogisticRegression pipeline and a 100-tree RandomForest. Rows, per model:
throughput with 16 connections and single-row p50 latency, against MLflow and
against the floor.

Targets (from the serving issue): at least 3x MLflow's throughput, at least
0.8x the floor's, and a p50 at most 1.25x the floor's.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import run

TARGETS = {
    ("throughput", "mlflow"): 3.0,
    ("throughput", "floor"): 0.8,
    ("p50", "floor"): 1.25,
}
PEERS = {"mlflow": "mlflow models serve", "floor": "bare FastAPI floor"}


def main(argv: list[str] | None = None) -> int:
    """Measure every server on both models and write the rows."""
    args = harness.arguments(__doc__.splitlines()[0], argv)
    requests, duration = (50, 2) if args.smoke else (1000, 10)
    results = run.measure_all(requests, duration)
    rows = []
    for model, measured in results["models"].items():
        label = model.replace("_", " ")
        for peer in ("mlflow", "floor"):
            rows.append(
                harness.Row(
                    f"throughput, {label}",
                    "req/s",
                    measured["modelyard"]["requests_per_s"],
                    PEERS[peer],
                    measured[peer]["requests_per_s"],
                    better="higher",
                    target=TARGETS.get(("throughput", peer)),
                )
            )
        for peer in ("mlflow", "floor"):
            rows.append(
                harness.Row(
                    f"p50 latency, {label}",
                    "ms",
                    measured["modelyard"]["p50_ms"],
                    PEERS[peer],
                    measured[peer]["p50_ms"],
                    target=TARGETS.get(("p50", peer)),
                )
            )
    generator = results["models"]["logistic_regression"]["modelyard"]["load_generator"]
    notes = [
        f"one server at a time, one worker, 127.0.0.1; p50 of {requests} sequential "
        f"single-row requests on one keep-alive connection; throughput: {generator}, "
        f"{duration} s per server.",
        "all three answer with labels from the same estimator file, checked equal first.",
        f"MLflow {results['versions']['mlflow']} from its own venv, --env-manager local.",
    ]
    harness.write(
        args.output,
        "serving",
        "model server vs MLflow and a bare FastAPI floor",
        rows,
        results,
        notes,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
