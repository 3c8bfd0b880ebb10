"""Batch scoring: ``modelyard predict`` against a plain pandas read-predict-write loop.

One Parquet file of 1,000,000 rows (smoke: 20,000) with 16 float features and an
integer id column is generated once. A modelyard model (StandardScaler +
LogisticRegression classifier) is trained on a 20,000-row sample and saved to a
model store. Then, alternating, order rotated every repetition (3 repetitions;
smoke: 1), each is run as a subprocess of the same small wrapper
(``measure.py``), which reports the command's wall seconds and its peak
resident memory (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``):

- **modelyard**: ``modelyard predict MODEL --input big.parquet --output out.parquet``
  (its command line, default chunk size);
- **plain pandas** (``plain.py``): ``pd.read_parquet`` of the whole file,
  ``estimator.predict`` on the feature columns, the prediction added as a
  column, ``to_parquet``. It is given the same fitted estimator, read with
  ``skops.io.load`` from the very ``model.skops`` file modelyard saved.

Both outputs are checked to hold the same rows and the same predictions.
Targets: modelyard's rows per second at least 0.9 of the plain loop's, and its
peak memory at most half.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import Row, alternate_commands, arguments, medians, write

HERE = Path(__file__).resolve().parent
FEATURES = 16
TRAINING_ROWS = 20_000


def main() -> None:
    """Generate the file, train the model, measure both scorers and write the rows."""
    args = arguments(__doc__.splitlines()[0])
    rows = 20_000 if args.smoke else 1_000_000
    repetitions = 1 if args.smoke else 3
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as folder:
        work = Path(folder)
        source = _generate(work / "big.parquet", rows)
        version = _train(source, work)
        python = Path(sys.executable)
        commands = {
            "modelyard": [str(python.parent / "modelyard"), "predict", str(version)],
            "plain pandas": [str(python), str(HERE / "plain.py"), str(version / "model.skops")],
        }
        outputs = {name: work / f"out-{index}.parquet" for index, name in enumerate(commands)}
        commands["modelyard"] += ["--input", str(source), "--output", str(outputs["modelyard"])]
        commands["plain pandas"] += [str(source), str(outputs["plain pandas"])]
        measured = alternate_commands(
            commands,
            repetitions,
            check=lambda: _check_agreement(outputs["modelyard"], outputs["plain pandas"], rows),
        )
        file_mb = source.stat().st_size / 1e6
    peak = medians(measured, "max_rss_mb")
    speed = {name: rows / seconds for name, seconds in medians(measured, "seconds").items()}
    write(
        args.output,
        "batch",
        f"scoring a {rows:,}-row Parquet file",
        [
            Row(
                "throughput",
                "rows/s",
                speed["modelyard"],
                "plain pandas",
                speed["plain pandas"],
                better="higher",
                target=0.9,
            ),
            Row(
                "peak memory (max RSS)",
                "MB",
                peak["modelyard"],
                "plain pandas",
                peak["plain pandas"],
                target=0.5,
            ),
        ],
        details={"rows": rows, "file_mb": round(file_mb, 1), "runs": measured},
        notes=[
            f"{rows:,} rows x {FEATURES} float features + an id column, {file_mb:.0f} MB Parquet;"
            f" StandardScaler + LogisticRegression trained on {TRAINING_ROWS:,} rows",
            "`modelyard predict` CLI (default chunks) vs read_parquet, predict, to_parquet"
            " of the same estimator loaded with skops; both as subprocesses",
            f"wall time and peak RSS (getrusage of the child) per run, median of {repetitions};"
            " outputs checked to agree",
        ],
    )


def _generate(path: Path, rows: int) -> Path:
    import numpy as np
    import pandas as pd

    generator = np.random.default_rng(0)
    features = generator.normal(size=(rows, FEATURES))
    frame = pd.DataFrame(features, columns=[f"x{i:02d}" for i in range(FEATURES)])
    frame.insert(0, "id", np.arange(rows))
    weights = generator.normal(size=FEATURES)
    noise = generator.normal(scale=0.5, size=rows)
    frame["label"] = (features @ weights + noise > 0).astype(int)
    frame.to_parquet(path, index=False)
    return path


def _train(source: Path, work: Path) -> Path:
    import pandas as pd
    from modelyard import Model
    from modelyard.data import FileDataset
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    sample = pd.read_parquet(source).head(TRAINING_ROWS).drop(columns="id")
    sample.to_parquet(work / "sample.parquet", index=False)
    model = Model(make_pipeline(StandardScaler(), LogisticRegression()), name="batch")
    model.train(FileDataset(work / "sample.parquet", target="label"), run_dir=work / "runs")
    return Path(model.save(work / "models").path)


def _check_agreement(ours: Path, theirs: Path, rows: int) -> None:
    import pandas as pd

    a, b = pd.read_parquet(ours), pd.read_parquet(theirs)
    if len(a) != rows or len(b) != rows:
        raise SystemExit(f"row counts differ: modelyard {len(a)}, plain {len(b)}, input {rows}")
    if not (a["id"].to_numpy() == b["id"].to_numpy()).all():
        raise SystemExit("the outputs hold the rows in different orders")
    if not (a["prediction"].to_numpy() == b["prediction"].to_numpy()).all():
        raise SystemExit("modelyard and the plain loop predict differently")


if __name__ == "__main__":
    main()
