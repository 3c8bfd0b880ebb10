"""The report's cost: ``modelyard score`` with its default (fast) report against ``--report none``.

    python benchmarks/report/bench.py            # 50,000 rows, median of 3 turns
    python benchmarks/report/bench.py --smoke    # 400 rows, one turn, the forest's regression

A temporary project (a ``pyproject.toml`` whose ``[tool.modelyard]`` names a
model factory and a dataset class in a module written beside it) holds a
synthetic table: ``make_friedman1`` (regression) or ``make_classification``
(classification), 9 numeric features plus a five-valued text column. The model
is a ``ColumnTransformer`` (one-hot for the text column) + a random forest
(100 trees; the issue's kind of model) or a histogram gradient boosting
model. The real command runs as a subprocess, in turns:
``modelyard score --report none``, ``modelyard score`` (the default, fast
report) and, for the boosting model only, ``--report full`` once (a forest's
full report on 50,000 rows takes many minutes, which is the issue).

Every contender runs with ``OMP_NUM_THREADS=1``: on a shared two-core machine the
boosting model's OpenMP threads spin against the other process's and one fit's
time varied tenfold. Rows: fast / none (target: at most 1.5, the issue's "the
default report adds at most 50% to scoring alone") and full / none.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness

#: The project's modules, written into the temporary project folder.
PROJECT = '''
"""The benchmark's project: a synthetic table and a pipeline model, chosen by variables."""

import os

import numpy as np
import pandas as pd
from modelyard import Model
from modelyard.data import Dataset

ROWS = int(os.environ["BENCH_ROWS"])
TASK = os.environ["BENCH_TASK"]
ESTIMATOR = os.environ["BENCH_ESTIMATOR"]


def _table():
    from sklearn.datasets import make_classification, make_friedman1

    if TASK == "regression":
        x, y = make_friedman1(ROWS, 9, random_state=0)
    else:
        x, y = make_classification(ROWS, 9, n_informative=5, random_state=0)
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(9)])
    colours = ["red", "green", "blue", "white", "black"]
    frame["colour"] = np.random.default_rng(0).choice(colours, ROWS)
    return frame, pd.Series(y, name="y")


class Data(Dataset):
    def load_training_data(self):
        return _table()

    def load_prediction_data(self):
        return _table()[0]


def build_model():
    from sklearn import ensemble
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    kind = "Regressor" if TASK == "regression" else "Classifier"
    if ESTIMATOR == "forest":
        final = getattr(ensemble, "RandomForest" + kind)(n_estimators=100, random_state=0)
    else:
        final = getattr(ensemble, "HistGradientBoosting" + kind)(random_state=0)
    text = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["colour"]), remainder="passthrough"
    )
    return Model(make_pipeline(text, final))
'''

PYPROJECT = """[project]
name = "report-bench"

[tool.modelyard]
model = "bench_project:build_model"
dataset = "bench_project:Data"
"""

TASKS = ("regression", "classification")
#: The mode whose cost the issue bounds, against scoring alone.
TARGET = 1.5


def score(mode: str) -> list[str]:
    """The real command: ``modelyard score --report <mode>``, in this interpreter."""
    call = f"main(['score', '--report', {mode!r}])"
    code = f"import sys; from modelyard.cli import main; sys.exit({call})"
    return [sys.executable, "-c", code]


def measure_case(task: str, estimator: str, rows: int, repetitions: int, full: bool) -> dict:
    """The median seconds of each report mode for one task and estimator."""
    os.environ.update(BENCH_TASK=task, BENCH_ESTIMATOR=estimator, BENCH_ROWS=str(rows))
    commands = {"none": score("none"), "fast": score("fast")}
    seconds = harness.medians(harness.alternate_commands(commands, repetitions), "seconds")
    if full:
        seconds["full"] = harness.run_measured(score("full"))["seconds"]
    return seconds


def main(argv: list[str] | None = None) -> int:
    """Time every case and write the rows."""
    args = harness.arguments(__doc__.splitlines()[0], argv)
    repetitions, rows = (1, 400) if args.smoke else (3, 50_000)
    estimators = ("forest",) if args.smoke else ("forest", "boosting")
    tasks = TASKS[:1] if args.smoke else TASKS
    table, details = [], {"rows": rows, "repetitions": repetitions, "seconds": {}}
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch)
        (project / "bench_project.py").write_text(PROJECT)
        (project / "pyproject.toml").write_text(PYPROJECT)
        os.chdir(project)
        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(project), os.environ.get("PYTHONPATH")])
        )
        os.environ["OMP_NUM_THREADS"] = "1"
        for estimator in estimators:
            for task in tasks:
                full = estimator == "boosting" and not args.smoke
                found = measure_case(task, estimator, rows, repetitions, full)
                details["seconds"][f"{estimator} {task}"] = found
                table += _rows(f"{estimator}, {task}", found)
    notes = [
        f"`modelyard score` on {rows:,} synthetic rows (9 numbers + a text column), "
        f"as a subprocess; median of {repetitions} turns (full: one run).",
        "forest: ColumnTransformer + RandomForest (100 trees); boosting: ColumnTransformer + "
        "HistGradientBoosting; OMP_NUM_THREADS=1 for every run.",
        "fast / none is what the default report adds to scoring alone (target ≤ 1.5).",
    ]
    title = "score's HTML report: fast and full"
    harness.write(args.output, "report", title, table, details, notes)
    return 0


def _rows(case: str, seconds: dict[str, float]) -> list[harness.Row]:
    rows = [
        harness.Row(
            f"score with the fast report, {case}",
            "s",
            seconds["fast"],
            "score --report none",
            seconds["none"],
            target=TARGET,
        )
    ]
    if "full" in seconds:
        rows.append(
            harness.Row(
                f"score with the full report, {case}",
                "s",
                seconds["full"],
                "score --report none",
                seconds["none"],
            )
        )
    return rows


if __name__ == "__main__":
    sys.exit(main())
