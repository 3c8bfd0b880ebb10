"""Search scaling: one grid search at n_jobs=1, n_jobs=2 and on a two-worker Dask cluster.

    python benchmarks/search/bench.py            # 3,000 rows, median of 3 after a warm-up
    python benchmarks/search/bench.py --smoke    # 600 rows, one repetition

Grid: ``RandomForestClassifier(n_estimators=30, random_state=0)`` with
``max_depth`` in [4, 8, None] x ``min_samples_leaf`` in [1, 5] (6 candidates),
5 stratified folds (30 fits, then a refit of the best), on
``make_classification(rows, 20 features)``. Each setting is run by modelyard's
``Model.gridsearch`` (run record and candidate table written to a temporary
run folder) and by scikit-learn's ``GridSearchCV`` on the same grid and folds,
the two in turns:

* ``n_jobs=1``; ``n_jobs=2`` (joblib's process pool);
* a Dask ``LocalCluster`` of two worker processes with one thread each on
  127.0.0.1: modelyard gets ``scheduler=<address>``, scikit-learn runs under
  ``joblib.parallel_backend("dask")`` with a ``Client`` to the same cluster.

Rows: the speed-up of n_jobs=2 and of Dask over n_jobs=1 for modelyard (with
scikit-learn's own speed-up as the peer), and modelyard / GridSearchCV wall
time at each setting. Both found the same best accuracy (checked).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness
import joblib
from distributed import Client, LocalCluster
from modelyard import Model
from modelyard.data import Dataset
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold

GRID = {"max_depth": [4, 8, None], "min_samples_leaf": [1, 5]}
FOLDS = 5
SEED = 42
FEATURES = 20


def _estimator() -> RandomForestClassifier:
    return RandomForestClassifier(n_estimators=30, random_state=0)


def modelyard_search(data: Dataset, n_jobs: int, scheduler: str | None, runs: Path) -> float:
    """Model.gridsearch; the best candidate's mean accuracy."""
    found = Model(_estimator()).gridsearch(
        data,
        GRID,
        cv=FOLDS,
        random_state=SEED,
        metrics=["accuracy"],
        n_jobs=n_jobs,
        scheduler=scheduler,
        run_dir=runs,
    )
    return found.results.best.metrics["accuracy"]


def sklearn_search(data: Dataset, n_jobs: int, scheduler: str | None) -> float:
    """GridSearchCV on the same folds; the best mean accuracy."""
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    search = GridSearchCV(_estimator(), GRID, cv=folds, scoring="accuracy", n_jobs=n_jobs)
    if scheduler is None:
        search.fit(data.x, data.y)
    else:
        with Client(scheduler), joblib.parallel_backend("dask"):
            search.n_jobs = -1
            search.fit(data.x, data.y)
    return float(search.best_score_)


def main(argv: list[str] | None = None) -> int:
    """Time every setting for both and write the rows."""
    args = harness.arguments(__doc__.splitlines()[0], argv)
    repetitions, warmup, rows = (1, 0, 600) if args.smoke else (3, 1, 3000)
    data = harness.synthetic_classification(rows, FEATURES, informative=8)
    medians: dict[str, float] = {}
    details: dict = {"rows": rows, "repetitions": repetitions, "best_accuracy": {}}
    with (
        tempfile.TemporaryDirectory() as scratch,
        LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
    ):
        os.chdir(scratch)
        runs = Path(scratch) / "runs"
        settings = {
            "n_jobs=1": (1, None),
            "n_jobs=2": (2, None),
            "Dask": (1, cluster.scheduler_address),
        }
        for label, (n_jobs, scheduler) in settings.items():
            best: dict[str, float] = {}

            def ours(n_jobs: int = n_jobs, scheduler: str | None = scheduler, best=best) -> None:
                best["modelyard"] = modelyard_search(data, n_jobs, scheduler, runs)

            def theirs(n_jobs: int = n_jobs, scheduler: str | None = scheduler, best=best) -> None:
                best["sklearn"] = sklearn_search(data, n_jobs, scheduler)

            samples = harness.alternate({"modelyard": ours, "sklearn": theirs}, repetitions, warmup)
            if abs(best["modelyard"] - best["sklearn"]) > 1e-9:
                raise SystemExit(f"{label}: the searches disagree on the best score: {best}")
            details["best_accuracy"][label] = best["modelyard"]
            for name, times in samples.items():
                medians[f"{name} {label}"] = harness.median(times)
                details[f"{name} {label}"] = [round(t, 3) for t in times]
    table = _rows(medians)
    notes = [
        f"6 candidates x {FOLDS} folds of a 30-tree forest on {rows:,} rows x {FEATURES} "
        f"features; median of {repetitions} turns.",
        "speed-up rows: modelyard's time at n_jobs=1 / its time at the setting; the peer is "
        "GridSearchCV's own speed-up. Dask: LocalCluster, 2 worker processes x 1 thread.",
    ]
    harness.write(
        args.output, "search", "grid search scaling: n_jobs and Dask", table, details, notes
    )
    return 0


def _rows(medians: dict[str, float]) -> list[harness.Row]:
    rows = []
    for label in ("n_jobs=2", "Dask"):
        rows.append(
            harness.Row(
                f"speed-up of {label} over n_jobs=1",
                "x",
                medians["modelyard n_jobs=1"] / medians[f"modelyard {label}"],
                "GridSearchCV's speed-up",
                medians["sklearn n_jobs=1"] / medians[f"sklearn {label}"],
                better="higher",
            )
        )
    for label in ("n_jobs=1", "n_jobs=2", "Dask"):
        rows.append(
            harness.Row(
                f"wall time, {label}",
                "s",
                medians[f"modelyard {label}"],
                "GridSearchCV",
                medians[f"sklearn {label}"],
            )
        )
    return rows


if __name__ == "__main__":
    sys.exit(main())
