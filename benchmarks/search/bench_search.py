"""Wall time of one grid search: n_jobs=1, n_jobs=2 and a two-worker Dask LocalCluster.

Each setting is timed for modelyard's ``Model.gridsearch`` and, side by side, for
scikit-learn's ``GridSearchCV`` (what a user would otherwise write) on the same
grid, data and folds, in one run, the two taking turns (so load from other
processes falls on both); the report gives median wall seconds and the ratios.

    python benchmarks/search/bench_search.py            # 3 repeats, median reported
    python benchmarks/search/bench_search.py --smoke    # 1 repeat, small data (CI)

Grid: RandomForestClassifier(n_estimators=50, random_state=0) with
max_depth in [4, 8, None] x min_samples_leaf in [1, 5] (6 candidates), 5
stratified folds (30 fits); data: make_classification(4000 rows, 20 features,
random_state=0). Needs ``pip install 'modelyard[dask]'``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial

import pandas as pd
from modelyard import Model
from modelyard.data import Dataset
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold

GRID = {"max_depth": [4, 8, None], "min_samples_leaf": [1, 5]}
FOLDS = 5
SEED = 42


class Synthetic(Dataset):
    """make_classification as a modelyard dataset."""

    def __init__(self, rows: int) -> None:
        self.rows = rows

    def load_training_data(self) -> tuple[pd.DataFrame, pd.Series]:
        x, y = make_classification(self.rows, 20, n_informative=8, random_state=0)
        return pd.DataFrame(x, columns=[f"f{i}" for i in range(20)]), pd.Series(y, name="y")

    def load_prediction_data(self) -> pd.DataFrame:
        return self.x


def _estimator() -> RandomForestClassifier:
    return RandomForestClassifier(n_estimators=50, random_state=0)


def modelyard_search(data: Dataset, n_jobs: int, scheduler: str | None) -> float:
    found = Model(_estimator()).gridsearch(
        data,
        GRID,
        cv=FOLDS,
        random_state=SEED,
        metrics=["accuracy"],
        n_jobs=n_jobs,
        scheduler=scheduler,
        run_dir=tempfile.mkdtemp(),
    )
    return found.results.best.metrics["accuracy"]


def sklearn_search(data: Dataset, n_jobs: int, scheduler: str | None) -> float:
    import joblib

    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    search = GridSearchCV(_estimator(), GRID, cv=folds, scoring="accuracy", n_jobs=n_jobs)
    if scheduler is None:
        search.fit(data.x, data.y)
    else:
        from distributed import Client

        with Client(scheduler), joblib.parallel_backend("dask"):
            search.n_jobs = -1
            search.fit(data.x, data.y)
    return float(search.best_score_)


def _interleaved(
    ours: Callable[[], float], theirs: Callable[[], float], repeats: int
) -> tuple[float, float, float, float]:
    """Median seconds of each, run in turns so a busy machine slows both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    values = [0.0, 0.0]
    for _ in range(repeats):
        for index, run in enumerate((ours, theirs)):
            started = time.perf_counter()
            values[index] = run()
            times[index].append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1]), values[0], values[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="one repeat on 600 rows")
    args = parser.parse_args()
    repeats, rows = (1, 600) if args.smoke else (3, 4000)
    data = Synthetic(rows)
    data.x.shape  # noqa: B018 - load once, outside the timings

    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        settings = [
            ("n_jobs=1", 1, None),
            ("n_jobs=2", 2, None),
            ("LocalCluster 2 workers", 1, cluster.scheduler_address),
        ]
        print(f"grid: {GRID}, {FOLDS} folds, {rows} rows x 20 features, median of {repeats}")
        print(f"{'setting':<24} {'modelyard s':>12} {'sklearn s':>10} {'ratio':>6}  best accuracy")
        for label, n_jobs, scheduler in settings:
            ours, theirs, best, their_best = _interleaved(
                partial(modelyard_search, data, n_jobs, scheduler),
                partial(sklearn_search, data, n_jobs, scheduler),
                repeats,
            )
            print(
                f"{label:<24} {ours:>12.2f} {theirs:>10.2f} {ours / theirs:>6.2f}  "
                f"{best:.4f} (sklearn {their_best:.4f})"
            )


if __name__ == "__main__":
    main()
