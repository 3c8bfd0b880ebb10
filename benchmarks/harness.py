"""What every benchmark shares: alternating repetitions, medians, the machine, the result file.

A benchmark is a script ``benchmarks/<name>/bench.py`` that pairs modelyard with
the tool a user would otherwise pick, measures both in the same run, and calls
:func:`write` with a list of :class:`Row`. ``benchmarks/run.py`` runs every
benchmark in its own process and joins their rows into one table.

Absolute times on shared machines are noise; ratios measured side by side are
not. So contenders are measured in turn, with the order rotated every
repetition (a slow minute hurts everyone equally), and the table reports medians
and the ratio modelyard / peer.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
MLFLOW_VENV = BENCHMARKS / "serving" / ".venv-mlflow"
MLFLOW_VERSION = "3.17.2"
MLSERVER_VENV = BENCHMARKS / "serving" / ".venv-mlserver"
MLSERVER_VERSION = "1.7.1"
#: The wrapper that runs a command and reports its wall time and peak memory.
MEASURE = BENCHMARKS / "batch" / "measure.py"


@dataclass
class Row:
    """One measurement of modelyard against one peer.

    ``better`` says which direction wins ("lower" for times, sizes and memory,
    "higher" for throughput and speed-ups). ``target`` is the ratio
    modelyard / peer the issue asks for: at most it when lower is better, at
    least it when higher is better; None when there is no target.
    """

    measure: str
    unit: str
    modelyard: float
    peer_name: str
    peer: float
    better: str = "lower"
    target: float | None = None
    note: str = ""
    ratio: float = field(init=False)
    met: bool | None = field(init=False)

    def __post_init__(self) -> None:
        if self.better not in ("lower", "higher"):
            raise ValueError(f"better must be 'lower' or 'higher', not {self.better!r}")
        self.ratio = self.modelyard / self.peer if self.peer else float("nan")
        if self.target is None or not self.peer:
            self.met = None  # no target, or no peer figure (a smoke run that skips the peer)
        elif self.better == "lower":
            self.met = self.ratio <= self.target
        else:
            self.met = self.ratio >= self.target


def arguments(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    """The options every benchmark takes: ``--smoke`` and ``--output``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes and one repetition: proves it runs"
    )
    parser.add_argument("--output", type=Path, help="write the JSON result here")
    return parser.parse_args(argv)


def alternate(
    contenders: dict[str, Callable[[], float | None]], repetitions: int, warmup: int = 0
) -> dict[str, list[float]]:
    """Run each contender once per repetition, rotating the order; return its times.

    A contender that returns a number reports its own measurement (for example a
    time measured inside a subprocess, or a peak memory); one that returns None
    is timed here, in wall seconds. Warm-up rounds run but are not recorded.
    """
    names = list(contenders)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(warmup + repetitions):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            reported = contenders[name]()
            elapsed = time.perf_counter() - started
            if round_ >= warmup:
                samples[name].append(elapsed if reported is None else float(reported))
    return samples


def alternate_commands(
    commands: dict[str, list[str]],
    repetitions: int,
    check: Callable[[], None] | None = None,
) -> dict[str, list[dict]]:
    """Run each contender's command as a measured subprocess, in rotating turns; every run.

    Each run goes through ``batch/measure.py`` (:func:`run_measured`), so a
    run is a dict with its wall ``seconds`` and the child's peak resident
    memory ``max_rss_mb``. After the turns, ``check`` (when given) compares
    what the contenders wrote and stops the benchmark if they disagree.
    :func:`medians` summarises the runs.
    """
    runs: dict[str, list[dict]] = {name: [] for name in commands}

    def contender(name: str) -> Callable[[], float]:
        def run() -> float:
            runs[name].append(run_measured(commands[name]))
            return runs[name][-1]["seconds"]

        return run

    alternate({name: contender(name) for name in commands}, repetitions)
    if check is not None:
        check()
    return runs


def run_measured(command: list[str]) -> dict:
    """Run ``command`` under ``batch/measure.py``: its wall ``seconds`` and peak ``max_rss_mb``.

    A command that fails stops the benchmark with the end of its error output.
    """
    done = subprocess.run([sys.executable, str(MEASURE), *command], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:2])} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def medians(runs: dict[str, list[dict]], key: str) -> dict[str, float]:
    """Per contender, the median of one figure (``seconds``, ``max_rss_mb``) over its runs."""
    return {name: median([run[key] for run in measured]) for name, measured in runs.items()}


def median(values: list[float]) -> float:
    """The median of the samples."""
    return statistics.median(values)


def machine() -> dict[str, str]:
    """The machine the numbers came from."""
    cpu = "unknown CPU"
    if Path("/proc/cpuinfo").exists():
        found = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
        cpu = found.group(1).strip() if found else cpu
    memory = ""
    if Path("/proc/meminfo").exists():
        found = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
        memory = f", {int(found.group(1)) / 2**20:.0f} GiB" if found else ""
    return {
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cpu": f"{os.cpu_count()} CPUs ({cpu}){memory}",
        "python": platform.python_version(),
    }


def versions(*names: str) -> dict[str, str]:
    """Installed versions of the named distributions (``missing`` if absent)."""
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


#: How the peers' own venvs are installed: quietly, and byte-compiled, so a peer's first start
#: is not slowed by compiling its modules (MLflow's server missed its start-up wait without it).
PIP_QUIET = ("-q",)
#: Written into a peer's venv once everything is installed: a venv without it is half made
#: (an install cut off or failed) and is made again.
COMPLETE = ".installed"


def peer_python(venv: Path, requirements: list[str], what: str) -> Path:
    """The interpreter of a peer's own venv at ``venv``, made on first use with ``requirements``.

    ``what`` names the peer in the progress line. A venv whose install did not
    finish is removed and made again.
    """
    python = venv / "bin" / "python"
    if (venv / COMPLETE).exists():
        return python
    if venv.exists():
        print(f"--- {venv} was not finished; making it again")
        shutil.rmtree(venv)
    print(f"--- creating {venv} with {what} (once, a few minutes)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", *PIP_QUIET, *requirements], check=True)
    (venv / COMPLETE).write_text(" ".join(requirements) + "\n")
    return python


def mlflow_python() -> Path:
    """The interpreter of MLflow's own venv, created on first use.

    MLflow lives apart from modelyard's environment, as it would on a team that
    picked it, so neither tool's dependencies bend the other's.
    """
    return peer_python(MLFLOW_VENV, [f"mlflow=={MLFLOW_VERSION}"], f"mlflow {MLFLOW_VERSION}")


def mlserver_python() -> Path:
    """The interpreter of MLServer's own venv (mlserver + mlserver-sklearn), created on first use.

    Its scikit-learn is pinned to the version of the running one, so the same
    fitted estimator file loads in both.
    """
    requirements = [
        f"mlserver=={MLSERVER_VERSION}",
        f"mlserver-sklearn=={MLSERVER_VERSION}",
        f"scikit-learn=={metadata.version('scikit-learn')}",
    ]
    return peer_python(MLSERVER_VENV, requirements, f"mlserver {MLSERVER_VERSION}")


def write(
    output: Path | None,
    name: str,
    title: str,
    rows: list[Row],
    details: dict | None = None,
    notes: list[str] | None = None,
) -> dict:
    """Print the rows and write them, with the machine and versions, as JSON to ``output``."""
    result = {
        "name": name,
        "title": title,
        "machine": machine(),
        "rows": [asdict(row) for row in rows],
        "details": details or {},
        "notes": notes or [],
    }
    print(markdown_rows([result]))
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(result, indent=2) + "\n")
    return result


def markdown_rows(results: list[dict]) -> str:
    """One Markdown table of every row of every result."""
    lines = [
        "| benchmark | measure | modelyard | peer | peer value | modelyard / peer | target | met |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for result in results:
        for row in result["rows"]:
            target = "" if row["target"] is None else _target(row)
            met = {None: "", True: "yes", False: "**no**"}[row["met"]]
            lines.append(
                f"| {result['name']} | {row['measure']} | {_value(row['modelyard'], row['unit'])}"
                f" | {row['peer_name']} | {_value(row['peer'], row['unit'])}"
                f" | {_ratio(row['ratio'])} | {target} | {met} |"
            )
    return "\n".join(lines)


def _target(row: dict) -> str:
    return ("≤ " if row["better"] == "lower" else "≥ ") + f"{row['target']:.3g}x"


def _ratio(ratio: float) -> str:
    # Two decimals, but never 0.00x: a 400-fold difference still shows.
    return f"{ratio:.2f}x" if ratio >= 0.1 else f"{ratio:.2g}x"


def _value(value: float, unit: str) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:.3g} {unit}"


_MLFLOW_SAVE = """
import sys
import mlflow.sklearn
import skops.io

source, target = sys.argv[1], sys.argv[2]
types = skops.io.get_untrusted_types(file=source)
estimator = skops.io.load(source, trusted=types)
# MLflow refuses to save a model it could not load back without naming the types it
# holds beyond skops' defaults (a forest's Tree, a column selector), so name them.
mlflow.sklearn.save_model(
    estimator, target, serialization_format="skops",
    skops_trusted_types=sorted({*types, "sklearn.tree._tree.Tree"}),
)
"""


def mlflow_model(skops_file: Path, target: Path) -> Path:
    """Save the estimator of a modelyard ``model.skops`` as an MLflow model at ``target``.

    Runs in MLflow's venv, so both tools serve the very same fitted estimator.
    """
    subprocess.run(
        [str(mlflow_python()), "-c", _MLFLOW_SAVE, str(skops_file), str(target)], check=True
    )
    return target


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def synthetic_classification(rows: int, features: int, informative: int):
    """``make_classification`` as a modelyard dataset, generated once and held in memory."""
    import pandas as pd
    from modelyard.data import Dataset
    from sklearn.datasets import make_classification

    x, y = make_classification(rows, features, n_informative=informative, random_state=0)
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(features)])
    target = pd.Series(y, name="y")

    class Synthetic(Dataset):
        def load_training_data(self) -> tuple[pd.DataFrame, pd.Series]:
            return frame, target

        def load_prediction_data(self) -> pd.DataFrame:
            return frame

    return Synthetic()


def stop_server(process: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a server started with ``start_new_session=True``, and every process in its group.

    SIGTERM to the group first (uvicorn finishes requests in flight), SIGKILL if it
    is not gone within ``timeout`` seconds, then a last SIGKILL for children a
    dead supervisor left behind.
    """
    import contextlib
    import signal

    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
