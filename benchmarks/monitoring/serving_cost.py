"""What drift tracking costs the server: single-row throughput with tracking on and off.

    .venv/bin/python benchmarks/monitoring/serving_cost.py            # about 2 minutes
    .venv/bin/python benchmarks/monitoring/serving_cost.py --smoke    # a few seconds a turn

One saved model (the serving benchmark's scaled LogisticRegression on the 30
breast-cancer features: the cheapest prediction, so per-request overhead weighs
most) is served twice by ``modelyard serve`` with one worker: as it is (the
card has a reference profile, so every request is counted into the drift
window) and with ``MODELYARD_MONITORING=off``. Each is loaded with the serving
benchmark's load generator (wrk, else its asyncio client; 16 connections,
one-row bodies) in alternating turns, the order swapped every turn, so a busy
moment on a shared machine falls on both. The cost is
``1 - median(on) / median(off)``; the target is at most 5 %.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the harness
sys.path.insert(0, str(HERE.parent / "serving"))  # the serving benchmark's load generator
import run as serving  # noqa: E402
from harness import alternate, arguments, machine  # noqa: E402

TARGET = 0.05


def main(argv: list[str] | None = None) -> int:
    """Measure both servers in alternating turns and print (and write) the cost."""
    args = arguments(__doc__.splitlines()[0], argv)
    turns, duration = (1, 3) if args.smoke else (5, 10)
    work = Path(tempfile.mkdtemp(prefix="monitoring-cost-"))
    folder = serving._train("logistic_regression", work)
    server = serving._modelyard_server(folder)
    contenders = {
        "on": {**server, "env": {"MODELYARD_MONITORING": "on"}},
        "off": {**server, "env": {"MODELYARD_MONITORING": "off"}},
    }
    options = type("Options", (), {"requests": 200 if not args.smoke else 20, "duration": duration})
    latencies: dict[str, list[float]] = {"on": [], "off": []}

    def measure(name: str) -> float:
        measured = serving._measure(f"tracking {name}", contenders[name], folder, options)
        latencies[name].append(measured["p50_ms"])
        return measured["requests_per_s"]

    rates = alternate({name: lambda name=name: measure(name) for name in contenders}, turns)
    counting_us = _counting_time(folder) * 1e6
    p50_off_ms = statistics.median(latencies["off"])
    on, off = statistics.median(rates["on"]), statistics.median(rates["off"])
    cost = 1 - on / off
    result = {
        "tracking_on_requests_per_s": on,
        "tracking_off_requests_per_s": off,
        "cost": cost,
        "target": f"<= {TARGET:.0%}",
        "met": cost <= TARGET,
        "turns": rates,
        "counting_one_row_us": counting_us,
        "p50_off_ms": p50_off_ms,
        "counting_share_of_p50": counting_us / (p50_off_ms * 1000),
        "machine": machine(),
    }
    print(
        f"single-row throughput: tracking on {on:.0f} req/s, off {off:.0f} req/s, "
        f"cost {cost:.1%} (target ≤ {TARGET:.0%}); counting one row takes {counting_us:.1f} µs "
        f"in process, {counting_us / (p50_off_ms * 1000):.1%} of the p50 latency untracked "
        f"({p50_off_ms:.2f} ms)"
    )
    if args.output:
        Path(args.output).write_text(json.dumps(result, indent=2))
    return 0


def _counting_time(folder: Path) -> float:
    """Seconds the server spends counting one single-row request into its window (median)."""
    import timeit

    from modelyard import load_model
    from modelyard.serving.monitoring import RollingWindow

    model = load_model(folder)
    window = RollingWindow(model.monitoring, model.schema.names)
    row = [serving._rows(folder)[1][0]]
    number = 20_000
    times = timeit.repeat(lambda: window.add(row, [1], {}), number=number, repeat=5)
    return statistics.median(times) / number


if __name__ == "__main__":
    raise SystemExit(main())
