"""Plot and report cost, side by side with what a user would otherwise write.

    python benchmarks/plots/bench_plots.py            # 7 repeats, best of each
    python benchmarks/plots/bench_plots.py --smoke    # 1 repeat, to prove it still runs

Measured in one run, in CPU seconds (the cores are shared), reported as ratios:
1. import cost: ``import modelyard`` against ``import modelyard`` plus
   ``matplotlib.pyplot`` (what an eager import of the plots would cost every
   command, including ``modelyard serve``), CPU seconds of a fresh interpreter;
2. drawing one plot to PNG: modelyard's function against scikit-learn's
   Display (``from_predictions``) on the same data, same figure size and dpi;
3. the whole scoring report, split into its drawing-only and refitting plots.
"""

from __future__ import annotations

import argparse
import io
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure
from modelyard import Model
from modelyard.data import demo_dataset
from modelyard.plots import (
    plot_calibration_curve,
    plot_confusion_matrix,
    plot_pr_curve,
    plot_roc_curve,
)
from sklearn import metrics as skm
from sklearn.calibration import CalibrationDisplay
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """The least CPU time of ``repeats`` runs of ``work``, in seconds.

    CPU time of this process, not wall time: the machine's cores are shared,
    and time spent waiting for one is not the work's cost.
    """
    times = []
    for _ in range(repeats):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


def import_cpu_seconds(repeats: int, code: str) -> float:
    """Least CPU time (user + system) of a fresh interpreter running ``code``.

    CPU time, not wall time: this machine's cores are shared, and waiting for
    one is not the import's cost.
    """
    times = []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(times)


def to_png(draw: Callable[[object], object]) -> Callable[[], object]:
    def work() -> None:
        figure = Figure(figsize=(6.4, 4.8))
        draw(figure.subplots())
        figure.savefig(io.BytesIO(), format="png", dpi=100)

    return work


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="one repeat of each")
    repeats = 1 if parser.parse_args().smoke else 7

    rows: list[tuple[str, float, float]] = []
    rows.append(
        (
            "import modelyard (matplotlib lazy) vs + matplotlib.pyplot, CPU s",
            import_cpu_seconds(repeats, "import modelyard"),
            import_cpu_seconds(repeats, "import modelyard, matplotlib.pyplot"),
        )
    )

    with tempfile.TemporaryDirectory() as runs:
        estimator = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        result = Model(estimator).score(demo_dataset("breast_cancer"), run_dir=runs)
        p = result.predictions
        y, score = p.y_true, p.y_proba[:, 1]
        pairs = {
            "ROC curve": (
                lambda ax: plot_roc_curve(y, score, ax=ax),
                lambda ax: skm.RocCurveDisplay.from_predictions(y, score, ax=ax),
            ),
            "precision-recall curve": (
                lambda ax: plot_pr_curve(y, score, ax=ax),
                lambda ax: skm.PrecisionRecallDisplay.from_predictions(y, score, ax=ax),
            ),
            "confusion matrix": (
                lambda ax: plot_confusion_matrix(y, p.y_pred, ax=ax),
                lambda ax: skm.ConfusionMatrixDisplay.from_predictions(y, p.y_pred, ax=ax),
            ),
            "calibration curve": (
                lambda ax: plot_calibration_curve(y, score, ax=ax),
                lambda ax: CalibrationDisplay.from_predictions(y, score, ax=ax),
            ),
        }
        for name, (ours, theirs) in pairs.items():
            rows.append(
                (
                    f"{name} to PNG: modelyard vs scikit-learn Display",
                    best_of(repeats, to_png(ours)),
                    best_of(repeats, to_png(theirs)),
                )
            )
        refit = ["permutation_importance", "learning_curve", "validation_curve"]
        drawing = [n for n in result.plot.available() if n not in refit]
        drawing += ["target_correlation", "missing_data"]
        report = Path(runs) / "report.html"
        only_drawn = best_of(repeats, lambda: result.report(report, plots=drawing))
        whole = best_of(repeats, lambda: result.report(report))

    print(f"{'measurement (CPU seconds)':<68} {'modelyard':>12} {'other':>10} {'ratio':>7}")
    for name, ours, theirs in rows:
        print(f"{name:<68} {ours:>12.4f} {theirs:>10.4f} {ours / theirs:>7.2f}")
    print(f"report with the {len(drawing)} plots that only draw: {only_drawn:.2f} s")
    print(
        f"report with every plot ({len(drawing) + len(refit)}): {whole:.2f} s "
        "(the difference is refitting for permutation importance and the curves)"
    )


if __name__ == "__main__":
    main()
