"""Lifecycle overhead: ``Model.score`` and ``Model.train`` against hand-written scikit-learn.

    python benchmarks/lifecycle/bench.py            # 100,000 rows, median of 5
    python benchmarks/lifecycle/bench.py --smoke    # 2,000 rows, one repetition

The data is ``make_classification(100_000 rows, 20 features)`` held in memory as
a modelyard :class:`~modelyard.data.Dataset` (loaded once, before any timing).
Each repetition builds a fresh estimator for every contender; the contenders
take turns, in rotating order. Pairs, for each estimator (a
``LogisticRegression``, where fitting is cheap so overhead shows, and a small
``RandomForestClassifier``):

* score: ``Model(est).score(data)`` with the defaults a user gets (holdout of
  25%, stratified, seed 42, metrics accuracy, roc_auc and f1, run logging ON
  into a temporary run folder; the API writes no report, only the CLI does)
  against ``train_test_split`` (same split) + ``fit`` + ``predict`` +
  ``predict_proba`` + ``accuracy_score``, ``roc_auc_score`` and ``f1_score``,
  with the metrics written to a JSON file (what a user writes to keep them).
* train: ``Model(est).train(data)`` (fit on all rows, feature schema, data
  fingerprint, run record) against ``est.fit(x, y)`` plus a JSON file of what
  was fitted. ``train`` saves nothing (``Model.save`` does; see persistence).

Both contenders run with BLAS limited to one thread (threadpoolctl): on a
shared two-core machine a threaded BLAS makes the same LogisticRegression fit
take anywhere from 0.2 to 0.8 s, which drowns the overhead being measured.

Target: modelyard at most 5% slower (ratio <= 1.05).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness
from modelyard import Model
from modelyard.data import Dataset
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

FEATURES = 20
TARGET = 1.05


ESTIMATORS: dict[str, Callable[[], object]] = {
    "logistic regression": lambda: LogisticRegression(max_iter=1000),
    "random forest (10 trees, depth 8)": lambda: RandomForestClassifier(
        n_estimators=10, max_depth=8, random_state=0
    ),
}


def modelyard_score(make: Callable[[], object], data: Dataset, runs: Path) -> None:
    """Model.score with the defaults."""
    Model(make()).score(data, run_dir=runs)


def modelyard_train(make: Callable[[], object], data: Dataset, runs: Path) -> None:
    """Model.train with the defaults."""
    Model(make()).train(data, run_dir=runs)


def sklearn_score(make: Callable[[], object], data: Dataset, folder: Path) -> None:
    """What a user writes by hand for a holdout score kept on disk."""
    x_train, x_test, y_train, y_test = train_test_split(
        data.x, data.y, test_size=0.25, random_state=42, stratify=data.y
    )
    estimator = make()
    estimator.fit(x_train, y_train)
    predicted = estimator.predict(x_test)
    probability = estimator.predict_proba(x_test)[:, 1]
    metrics = {
        "accuracy": float(accuracy_score(y_test, predicted)),
        "roc_auc": float(roc_auc_score(y_test, probability)),
        "f1": float(f1_score(y_test, predicted)),
    }
    (folder / "score.json").write_text(json.dumps(metrics))


def sklearn_train(make: Callable[[], object], data: Dataset, folder: Path) -> None:
    """What a user writes by hand to fit on everything and note what was fitted."""
    estimator = make()
    estimator.fit(data.x, data.y)
    note = {"estimator": type(estimator).__name__, "rows": len(data.x)}
    (folder / "train.json").write_text(json.dumps(note))


def main(argv: list[str] | None = None) -> int:
    """Measure both steps for both estimators and write the rows."""
    args = harness.arguments(__doc__.splitlines()[0], argv)
    rows, repetitions, warmup = (2_000, 1, 0) if args.smoke else (100_000, 5, 1)
    data = harness.synthetic_classification(rows, FEATURES, informative=10)
    results, details = [], {"rows": rows, "features": FEATURES, "repetitions": repetitions}
    with tempfile.TemporaryDirectory() as scratch, threadpool_limits(limits=1):
        folder = Path(scratch)
        os.chdir(folder)  # no project configuration: the defaults a user gets
        runs = folder / "runs"
        for label, make in ESTIMATORS.items():
            samples = harness.alternate(
                {
                    "modelyard score": lambda make=make: modelyard_score(make, data, runs),
                    "sklearn score": lambda make=make: sklearn_score(make, data, folder),
                    "modelyard train": lambda make=make: modelyard_train(make, data, runs),
                    "sklearn train": lambda make=make: sklearn_train(make, data, folder),
                },
                repetitions,
                warmup,
            )
            medians = {name: harness.median(times) for name, times in samples.items()}
            details[label] = {name: [round(t, 4) for t in times] for name, times in samples.items()}
            for step in ("score", "train"):
                results.append(
                    harness.Row(
                        f"{step}, {label}",
                        "s",
                        medians[f"modelyard {step}"],
                        f"scikit-learn by hand ({step})",
                        medians[f"sklearn {step}"],
                        target=TARGET,
                    )
                )
        details["run_records"] = len(list(runs.glob("*.json")))
    notes = [
        f"make_classification({rows:,} rows, {FEATURES} features), in memory; "
        f"median of {repetitions} turns (order rotated), after {warmup} warm-up; "
        "BLAS limited to one thread for both.",
        "score: Model.score (holdout 25%, accuracy/roc_auc/f1, run record) vs "
        "train_test_split + fit + predict + predict_proba + sklearn.metrics + a JSON file.",
        "train: Model.train (fit, schema, data fingerprint, run record) vs fit + a JSON file.",
    ]
    harness.write(
        args.output,
        "lifecycle",
        "Model.score / Model.train vs hand-written scikit-learn",
        results,
        details,
        notes,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
