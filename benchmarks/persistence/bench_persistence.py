"""Save + load time of one model: modelyard against joblib and plain skops, in one run.

    python benchmarks/persistence/bench_persistence.py           # full: 15 repeats
    python benchmarks/persistence/bench_persistence.py --quick   # smoke: 3 repeats

What each side does per repeat, on the same fitted estimator:

* joblib:    joblib.dump to a file, joblib.load (what many teams do; runs code on load)
* skops:     skops.io.dump to a file, get_untrusted_types, skops.io.load
* modelyard: Model.save (new store version: skops file, model card with data
             fingerprint and git state, staging + rename) and load_model (card
             hash, file hash, trust list, version policy, card/estimator check)

Prints the median wall time of each and the ratios modelyard/joblib and
modelyard/skops, plus file sizes. Timings depend on the machine: compare the
ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import joblib
import skops.io
from modelyard import Model, load_model
from modelyard.data import demo_dataset
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def _median_seconds(step: Callable[[int], None], repeats: int) -> float:
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        step(i)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _measure(label: str, model: Model, folder: Path, repeats: int) -> None:
    estimator = model.estimator

    def with_joblib(i: int) -> None:
        path = folder / f"joblib-{i}.joblib"
        joblib.dump(estimator, path)
        joblib.load(path)

    def with_skops(i: int) -> None:
        path = folder / f"skops-{i}.skops"
        skops.io.dump(estimator, path)
        skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))

    store = folder / "store"

    def with_modelyard(i: int) -> None:
        ref = model.save(store)
        load_model(ref)

    seconds = {
        "joblib": _median_seconds(with_joblib, repeats),
        "skops": _median_seconds(with_skops, repeats),
        "modelyard": _median_seconds(with_modelyard, repeats),
    }
    sizes = {
        "joblib": (folder / "joblib-0.joblib").stat().st_size,
        "skops": (folder / "skops-0.skops").stat().st_size,
        "modelyard": sum(p.stat().st_size for p in (store / model.name / "1").iterdir()),
    }
    print(f"\n{label}")
    for name, value in seconds.items():
        print(f"  {name:<10} {value * 1000:8.1f} ms   {sizes[name] / 1024:8.1f} KiB")
    print(f"  modelyard / joblib  {seconds['modelyard'] / seconds['joblib']:.2f}x time")
    print(f"  modelyard / skops   {seconds['modelyard'] / seconds['skops']:.2f}x time")


def main(argv: list[str]) -> int:
    """Run the measurements; ``--quick`` for a smoke run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats, to prove it runs")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 15
    data = demo_dataset("breast_cancer")
    models = {
        "scaler + logistic regression (30 features)": Model(
            make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)), name="logistic"
        ),
        "random forest, 100 trees (30 features)": Model(
            RandomForestClassifier(n_estimators=100, random_state=0), name="forest"
        ),
    }
    python = sys.version.split()[0]
    print(f"save + load, median of {repeats}; Python {python}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["MODELYARD_RUN_DIR"] = str(Path(scratch) / "runs")
        for label, model in models.items():
            model.train(data)
            folder = Path(scratch) / model.name
            folder.mkdir()
            _measure(label, model, folder, repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
