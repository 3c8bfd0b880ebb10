"""Persistence: save and load time and file size, modelyard against joblib and MLflow.

    python benchmarks/persistence/bench.py            # median of 7, after a warm-up
    python benchmarks/persistence/bench.py --smoke    # small models, one repetition

The same fitted estimator is saved and loaded back three ways, in turns:

* modelyard: ``Model.save`` into a model store (a new version: skops file and a
  model card with the data fingerprint, staged then renamed, the training run
  record updated) and ``load_model`` with every check (card and file hashes,
  trusted types, version policy, card against estimator);
* joblib: ``joblib.dump`` to a file and ``joblib.load`` (pickle: runs code on load);
* MLflow: ``mlflow.sklearn.save_model`` and ``mlflow.sklearn.load_model`` with
  MLflow's defaults (skops format, pip requirements inferred at save; the
  forest's tree type named in ``skops_trusted_types``, without which MLflow
  refuses to load it), from MLflow's own venv.

modelyard and joblib run in this process; MLflow runs in one long-lived worker
in its venv (``mlflow_worker.py``) that times save and load itself, so no
interpreter start is counted for anyone and every contender is warm. Sizes are
everything written: the model folder for modelyard and MLflow (estimator file,
card or MLmodel and environment files), the file for joblib.

Models: a ``StandardScaler`` + ``LogisticRegression`` pipeline (small) and a
500-tree ``RandomForestClassifier`` (large), trained on the breast-cancer data
(smoke: 20 trees).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness
import joblib
import skops.io
from modelyard import Model, load_model
from modelyard.data import demo_dataset
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

WORKER = Path(__file__).resolve().parent / "mlflow_worker.py"


class MLflowWorker:
    """One process in MLflow's venv that saves and loads an estimator on request."""

    def __init__(self, python: Path, estimator_file: Path) -> None:
        self.process = subprocess.Popen(
            [str(python), str(WORKER), str(estimator_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self._line() != "ready":
            raise SystemExit("the MLflow worker did not start")

    def _line(self) -> str:
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise SystemExit(f"the MLflow worker exited ({self.process.wait()})")
        return line.strip()

    def save_and_load(self, target: Path) -> dict[str, float]:
        """Save to ``target`` and load back; the seconds each took, measured in the worker."""
        self.process.stdin.write(f"{target}\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]
        return json.loads(self._line())

    def close(self) -> None:
        """End the worker."""
        self.process.stdin.close()  # type: ignore[union-attr]
        self.process.wait(timeout=60)


def folder_size(path: Path) -> int:
    """Bytes of every file under ``path`` (or of the file itself)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure(
    model: Model, folder: Path, mlflow: MLflowWorker, repetitions: int, warmup: int
) -> dict:
    """Save and load ``model`` each way in turns; per contender the save/load times and size."""
    times: dict[str, dict[str, list[float]]] = {
        name: {"save": [], "load": []} for name in ("modelyard", "joblib", "mlflow")
    }
    paths: dict[str, Path] = {}
    counter = iter(range(10**6))

    def timed(name: str, save: Callable[[], object], load: Callable[[], object]) -> float:
        started = time.perf_counter()
        save()
        saved = time.perf_counter()
        load()
        done = time.perf_counter()
        times[name]["save"].append(saved - started)
        times[name]["load"].append(done - saved)
        return done - started

    def with_modelyard() -> float:
        refs = []
        total = timed(
            "modelyard",
            lambda: refs.append(model.save(folder / "store")),
            lambda: load_model(refs[0]),
        )
        paths["modelyard"] = refs[0].path
        return total

    def with_joblib() -> float:
        path = folder / f"model-{next(counter)}.joblib"
        paths["joblib"] = path
        return timed(
            "joblib", lambda: joblib.dump(model.estimator, path), lambda: joblib.load(path)
        )

    def with_mlflow() -> float:
        path = folder / f"mlflow-{next(counter)}"
        paths["mlflow"] = path
        measured = mlflow.save_and_load(path)
        for step in ("save", "load"):
            times["mlflow"][step].append(measured[step])
        return measured["save"] + measured["load"]

    contenders = {"modelyard": with_modelyard, "joblib": with_joblib, "mlflow": with_mlflow}
    harness.alternate(contenders, repetitions, warmup)
    # The contenders record their warm-up rounds too: drop them here.
    return {
        name: {
            "save": harness.median(steps["save"][warmup:]),
            "load": harness.median(steps["load"][warmup:]),
            "size": folder_size(paths[name]),
            "samples": {
                step: [round(t, 5) for t in values[warmup:]] for step, values in steps.items()
            },
        }
        for name, steps in times.items()
    }


def main(argv: list[str] | None = None) -> int:
    """Measure both models and write the rows."""
    args = harness.arguments(__doc__.splitlines()[0], argv)
    repetitions, warmup, trees = (1, 0, 20) if args.smoke else (7, 1, 500)
    python = harness.mlflow_python()
    data = demo_dataset("breast_cancer")
    models = {
        "small (scaler + logistic regression)": Model(
            make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)), name="small"
        ),
        f"large (random forest, {trees} trees)": Model(
            RandomForestClassifier(n_estimators=trees, random_state=0), name="large"
        ),
    }
    rows, details = [], {"repetitions": repetitions, "warmup": warmup}
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)  # no project configuration and no git: the library's defaults
        os.environ["MODELYARD_RUN_DIR"] = str(Path(scratch) / "runs")
        for label, model in models.items():
            model.train(data)
            folder = Path(scratch) / model.name
            folder.mkdir()
            estimator_file = folder / "estimator.skops"
            skops.io.dump(model.estimator, estimator_file)
            mlflow = MLflowWorker(python, estimator_file)
            try:
                measured = measure(model, folder, mlflow, repetitions, warmup)
            finally:
                mlflow.close()
            details[label] = measured
            rows += _rows(label, measured)
    notes = [
        f"save and load of the same fitted estimator; median of {repetitions} turns "
        f"(order rotated) after {warmup} warm-up, times measured inside each contender's process.",
        "modelyard: Model.save into a store + load_model with its checks (skops format); "
        "joblib: dump + load; MLflow: mlflow.sklearn.save_model + load_model with its "
        "defaults (skops format, pip requirements inferred), in MLflow's venv.",
        "size: all files written (modelyard: skops file + card; MLflow: model.skops, MLmodel "
        "and environment files).",
    ]
    harness.write(
        args.output,
        "persistence",
        "Model.save / load_model vs joblib and MLflow",
        rows,
        details,
        notes,
    )
    return 0


def _rows(label: str, measured: dict) -> list[harness.Row]:
    mine = measured["modelyard"]
    rows = []
    for step, unit, scale in (
        ("save", "ms", 1000),
        ("load", "ms", 1000),
        ("size", "KiB", 1 / 1024),
    ):
        for peer in ("joblib", "mlflow"):
            rows.append(
                harness.Row(
                    f"{step}, {label}",
                    unit,
                    mine[step] * scale,
                    {"joblib": "joblib", "mlflow": "MLflow"}[peer],
                    measured[peer][step] * scale,
                )
            )
    return rows


if __name__ == "__main__":
    sys.exit(main())
