"""Run every benchmark, each in its own process, and write one results table.

    python benchmarks/run.py                 # full run: benchmarks/results/latest.{md,json}
    python benchmarks/run.py --smoke         # tiny sizes, one repetition: writes results/scratch/
    python benchmarks/run.py --only batch    # some of them

``tox -e bench`` (and ``tox -e bench -- --smoke``) runs this with every extra
installed. Each benchmark is ``benchmarks/<name>/bench.py``; its own docstring
says what is paired with what. A benchmark that fails is reported and makes the
run fail, after the others have run. A part whose script lives elsewhere is
named in ``SCRIPTS`` (``monitoring-cost``: ``monitoring/serving_cost.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

from harness import BENCHMARKS, machine, markdown_rows, versions

# The order of the table: from the data scientist's loop to the deployed image.
ORDER = ("lifecycle", "persistence", "startup", "serving", "load", "batch", "monitoring")
ORDER += ("monitoring-cost", "search", "report", "image")
#: Parts whose script is not ``<name>/bench.py``.
SCRIPTS = {"monitoring-cost": BENCHMARKS / "monitoring" / "serving_cost.py"}
RESULTS = BENCHMARKS / "results"
VERSIONED = ("modelyard", "scikit-learn", "numpy", "pandas", "pyarrow", "skops", "joblib")
VERSIONED += ("fastapi", "uvicorn", "dask", "distributed")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks and write the joined table."""
    args = _arguments(argv)
    folder = RESULTS / "scratch" if args.smoke else RESULTS
    parts = folder / "parts"
    results, failed = [], []
    for name in args.only or ORDER:
        output = parts / f"{name}.json"
        output.unlink(missing_ok=True)
        script = SCRIPTS.get(name, BENCHMARKS / name / "bench.py")
        command = [sys.executable, str(script), "--output", str(output)]
        print(
            f"\n=== {name}: {' '.join(command[1:])}{' --smoke' if args.smoke else ''}", flush=True
        )
        started = time.monotonic()
        done = subprocess.run(command + (["--smoke"] if args.smoke else []))
        if done.returncode != 0 or not output.exists():
            failed.append(name)
            print(f"=== {name} FAILED (exit {done.returncode})", flush=True)
            continue
        result = json.loads(output.read_text())
        result["seconds"] = round(time.monotonic() - started, 1)
        results.append(result)
    _write(folder / ("smoke" if args.smoke else "latest"), results, args.smoke)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repetition")
    parser.add_argument("--only", nargs="+", choices=ORDER, help="run only these benchmarks")
    return parser.parse_args(argv)


def _write(stem: Path, results: list[dict], smoke: bool) -> None:
    stem.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "smoke": smoke,
        "machine": machine(),
        "versions": versions(*VERSIONED),
        "benchmarks": results,
    }
    stem.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
    stem.with_suffix(".md").write_text(_markdown(summary))
    print(f"\nwritten: {stem}.md and {stem}.json")


def _markdown(summary: dict) -> str:
    kind = "smoke run (tiny sizes: the figures mean nothing)" if summary["smoke"] else "full run"
    lines = [
        "# Benchmark results",
        "",
        f"{summary['date']}, {kind}, by `python benchmarks/run.py`.",
        "",
        f"Machine: {summary['machine']['system']}, {summary['machine']['cpu']},"
        f" Python {summary['machine']['python']}.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in summary["versions"].items()) + ".",
        "",
        "Every pair was measured in the same run, in turns; figures are medians.",
        "The ratio is modelyard / peer: below 1 is better for times, sizes and memory,",
        "above 1 for throughput and speed-ups (the target column gives the direction).",
        "",
        markdown_rows(summary["benchmarks"]),
        "",
    ]
    for result in summary["benchmarks"]:
        lines += [f"## {result['name']}: {result['title']}", ""]
        lines += [f"- {note}" for note in result["notes"]]
        lines += [f"- took {result['seconds']} s", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
