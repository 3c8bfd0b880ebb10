"""Drift monitoring: ``modelyard monitor`` from the card alone against Evidently's drift report.

One reference table of 100,000 rows (smoke: 2,000) and one current table of
1,000,000 rows (smoke: 5,000), each with 20 numeric and 5 categorical features,
are generated once as Parquet files. Drift is injected into a known subset of
the current rows and every other feature is left alone:

- ``x00``: mean shifted by 0.5 standard deviation (the brief's example);
- ``x01``: mean shifted by 1 standard deviation;
- ``x02``: mean shifted by 0.75 standard deviation;
- ``x03``: standard deviation doubled, mean kept;
- ``c0``: its four values' mix reversed (40/30/20/10 % to 10/20/30/40 %).

A modelyard model (one-hot categories + LogisticRegression) is trained on the
reference table and saved; its card carries the reference sketches. Then,
alternating, order rotated every repetition (2 repetitions; smoke: 1), each is
run as a subprocess of ``batch/measure.py``, which reports its wall seconds and
peak resident memory (``getrusage(RUSAGE_CHILDREN).ru_maxrss``):

- **modelyard**: ``modelyard monitor MODEL --current current.parquet --json ...
  --no-predictions`` (features only, as Evidently's report; it reads the card,
  never the reference table);
- **Evidently** (``evidently_drift.py``, in its own venv
  ``benchmarks/monitoring/.venv-evidently``, made on first use): both tables read
  with pandas, ``Report([DataDriftPreset()])`` run on them with its default
  per-column tests, each column's drift verdict written as JSON.

Rows: agreement of the per-feature verdicts ("drift" for modelyard, "drift
detected" for Evidently) on all 25 features, against the injected truth, every
disagreement explained in the notes; time ratio (target: at least 5x faster,
ratio ≤ 0.2); peak memory ratio (target ≤ 0.25). modelyard's time with
prediction drift too (its default) is an extra row without a target.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import (
    Row,
    alternate_commands,
    arguments,
    medians,
    peer_python,
    run_measured,
    write,
)

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-evidently"
EVIDENTLY_VERSION = "0.7.23"
REQUIREMENTS = (f"evidently=={EVIDENTLY_VERSION}", "pandas<3", "pyarrow")
NUMERIC, CATEGORICAL = 20, 5
CATEGORIES = ("alpha", "beta", "gamma", "delta")
MIX = (0.4, 0.3, 0.2, 0.1)
#: What was injected, feature by feature (every other feature is left alone).
INJECTED = {
    "x00": "mean + 0.5 sd",
    "x01": "mean + 1 sd",
    "x02": "mean + 0.75 sd",
    "x03": "sd x 2",
    "c0": "mix 40/30/20/10 % -> 10/20/30/40 %",
}


def main() -> None:
    """Generate the tables, train the model, run both reports and write the rows."""
    args = arguments(__doc__.splitlines()[0])
    reference_rows, current_rows = (2_000, 5_000) if args.smoke else (100_000, 1_000_000)
    repetitions = 1 if args.smoke else 2
    python = evidently_python()
    with tempfile.TemporaryDirectory(prefix="monitoring-bench-") as folder:
        work = Path(folder)
        reference = _generate(work / "reference.parquet", reference_rows, drift=False)
        current = _generate(work / "current.parquet", current_rows, drift=True)
        version = _train(reference, work)
        modelyard = str(Path(sys.executable).parent / "modelyard")
        outputs = {"modelyard": work / "modelyard.json", "Evidently": work / "evidently.json"}
        commands = {
            "modelyard": [
                *(modelyard, "monitor", str(version), "--current", str(current)),
                *("--json", str(outputs["modelyard"]), "--no-predictions"),
            ],
            "Evidently": [
                *(str(python), str(HERE / "evidently_drift.py"), str(reference)),
                *(str(current), str(outputs["Evidently"])),
            ],
        }
        measured = alternate_commands(commands, repetitions)
        with_predictions = run_measured(
            [
                *(modelyard, "monitor", str(version), "--current", str(current)),
                *("--json", str(work / "with-predictions.json")),
            ]
        )
        ours = json.loads(outputs["modelyard"].read_text())
        theirs = json.loads(outputs["Evidently"].read_text())
    verdicts = _verdicts(ours, theirs)
    agreed = sum(v["modelyard"] == v["Evidently"] for v in verdicts.values())
    truth = sum(v["modelyard"] == v["injected"] for v in verdicts.values())
    peak = medians(measured, "max_rss_mb")
    time = medians(measured, "seconds")
    notes = [
        f"reference {reference_rows:,} rows, current {current_rows:,} rows; {NUMERIC} numeric"
        f" + {CATEGORICAL} categorical features; injected: "
        + "; ".join(f"{name} {what}" for name, what in INJECTED.items()),
        f"modelyard: `modelyard monitor --no-predictions` from the card alone; Evidently"
        f" {EVIDENTLY_VERSION}: Report([DataDriftPreset()]) with its default tests, on both"
        " tables in memory; both as subprocesses (wall time and peak RSS of the child),"
        f" median of {repetitions}",
        f"modelyard agrees with the injected truth on {truth} of {len(verdicts)} features",
        "x00's 0.5 sd shift sits on modelyard's drift threshold: its PSI over ten normal"
        " deciles is 0.238 in theory against psi_drift = 0.25, so its verdict (warn or"
        " drift) can fall either side from one sample to the next",
        *_disagreements(verdicts),
    ]
    write(
        args.output,
        "monitoring",
        f"drift of {current_rows:,} current rows against {reference_rows:,} reference rows",
        [
            Row(
                "agreement of drift verdicts (25 features)",
                "share",
                agreed / len(verdicts),
                "Evidently",
                1.0,
                better="higher",
                target=1.0,
            ),
            Row("time", "s", time["modelyard"], "Evidently", time["Evidently"], target=0.2),
            Row(
                "peak memory (max RSS)",
                "MB",
                peak["modelyard"],
                "Evidently",
                peak["Evidently"],
                target=0.25,
            ),
            Row(
                "time with prediction drift",
                "s",
                with_predictions["seconds"],
                "Evidently (features only)",
                time["Evidently"],
            ),
        ],
        details={
            "reference_rows": reference_rows,
            "current_rows": current_rows,
            "verdicts": verdicts,
            "runs": measured,
            "with_predictions": with_predictions,
        },
        notes=notes,
    )


def evidently_python() -> Path:
    """The interpreter of Evidently's own venv, created on first use (a few minutes)."""
    # evidently 0.7.23 imports a pandas helper that pandas 3 removed (REQUIREMENTS pins it)
    return peer_python(VENV, list(REQUIREMENTS), f"evidently {EVIDENTLY_VERSION}")


def _generate(path: Path, rows: int, *, drift: bool) -> Path:
    import numpy as np
    import pandas as pd

    generator = np.random.default_rng(1 if drift else 0)
    means = np.linspace(-2.0, 2.0, NUMERIC)
    scales = np.linspace(0.5, 3.0, NUMERIC)
    numbers = generator.normal(size=(rows, NUMERIC)) * scales + means
    if drift:
        for column, shift in ((0, 0.5), (1, 1.0), (2, 0.75)):
            numbers[:, column] += shift * scales[column]
        numbers[:, 3] = (numbers[:, 3] - means[3]) * 2 + means[3]
    frame = pd.DataFrame(numbers, columns=[f"x{i:02d}" for i in range(NUMERIC)])
    for index in range(CATEGORICAL):
        mix = MIX[::-1] if drift and index == 0 else MIX
        frame[f"c{index}"] = generator.choice(CATEGORIES, size=rows, p=mix)
    weights = np.linspace(-1.0, 1.0, NUMERIC)
    score = (numbers - means) / scales @ weights + (frame["c1"] == "alpha").to_numpy()
    frame["label"] = (score + generator.normal(size=rows) > 0).astype(int)
    if drift:
        frame = frame.drop(columns="label")
    frame.to_parquet(path, index=False)
    return path


def _train(reference: Path, work: Path) -> Path:
    from modelyard import Model
    from modelyard.data import FileDataset
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    columns = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), [f"c{i}" for i in range(CATEGORICAL)]),
        remainder="passthrough",
    )
    model = Model(make_pipeline(columns, LogisticRegression(max_iter=500)), name="monitored")
    model.train(FileDataset(reference, target="label"), run_dir=work / "runs")
    return Path(model.save(work / "models").path)


def _verdicts(ours: dict, theirs: dict) -> dict[str, dict]:
    """Per feature: injected or not, both verdicts, and what each measured."""
    found = {}
    for item in ours["features"]:
        name = item["name"]
        found[name] = {
            "injected": name in INJECTED,
            "modelyard": item["verdict"] == "drift",
            "modelyard_verdict": item["verdict"],
            "psi": item["psi"],
            "p_value": item["p_value"],
            "Evidently": bool(theirs[name]["drift"]),
            "evidently_method": theirs[name]["method"],
            "evidently_score": theirs[name]["score"],
            "evidently_threshold": theirs[name]["threshold"],
        }
    return found


def _disagreements(verdicts: dict[str, dict]) -> list[str]:
    lines = []
    for name, v in verdicts.items():
        if v["modelyard"] == v["Evidently"] and v["modelyard"] == v["injected"]:
            continue
        lines.append(
            f"{name} ({INJECTED.get(name, 'not injected')}): modelyard {v['modelyard_verdict']}"
            f" (PSI {v['psi']:.3f}, p {v['p_value']:.2g}; drift needs PSI ≥ 0.25 and p < 0.01),"
            f" Evidently {'drift' if v['Evidently'] else 'no drift'}"
            f" ({v['evidently_method']} {v['evidently_score']:.3g}, threshold"
            f" {v['evidently_threshold']})"
        )
    return lines


if __name__ == "__main__":
    main()
