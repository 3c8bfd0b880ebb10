"""The run log: one JSON record per train, score or search run, written without being asked.

The run folder holds one ``<run_id>.json`` per run (the record) and
``index.md``, a table of every run for a person to read, rebuilt after each
write. The JSON files are the log; the index is derived from them, and if two
processes write at the same moment it may miss one run until the next write.

Logging never fails the run it records: a run folder that cannot be written
gives a :class:`~modelyard.exceptions.RunLogWarning`, and the model is kept.

Code that runs something modelyard does not (a search, say) records it the same
way with :func:`log_run`.
"""

from __future__ import annotations

import json
import os
import uuid
import warnings
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from modelyard.exceptions import ModelyardError, RunLogWarning

INDEX_FILE = "index.md"


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC, as stored in records."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class RunRecord:
    """What one run did, in a form that serialises to JSON as is.

    Attributes:
        run_id: sortable unique id: start time, kind and a random suffix.
        kind: ``"train"``, ``"score"``, ``"search"``, or another word for what ran.
        model_name: name of the model that ran.
        estimator: class name of its estimator.
        started: ISO-8601 start time (UTC).
        ended: ISO-8601 end time (UTC).
        duration_s: wall time in seconds.
        params: the estimator's parameters, as text where they are not plain values.
        metrics: metrics the run measured (empty for training).
        data: what the run was given (dataset, rows, columns, data fingerprint).
        artifact: where the model trained by this run was saved, once it is.
        metrics_std: standard deviation of each metric over cross-validation folds.
        options: how the run was set up (cv, test_size, random_state, metrics, ...).
        git: ``{"commit", "dirty"}`` of the project, or None outside git.
    """

    run_id: str
    kind: str
    model_name: str
    estimator: str
    started: str
    ended: str
    duration_s: float
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    artifact: str | None = None
    metrics_std: dict[str, float] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    git: dict[str, Any] | None = None

    @classmethod
    def finished(cls, *, kind: str, started: datetime, **fields: Any) -> RunRecord:
        """Make the record of a run that started at ``started`` and ends now."""
        ended = utc_now()
        run_id = f"{started:%Y%m%dT%H%M%S}-{kind}-{uuid.uuid4().hex[:6]}"
        return cls(
            run_id=run_id,
            kind=kind,
            started=started.isoformat(),
            ended=ended.isoformat(),
            duration_s=round((ended - started).total_seconds(), 6),
            **fields,
        )

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data."""
        return asdict(self)


def write_run(record: RunRecord, run_dir: Path) -> Path | None:
    """Write ``record`` to ``run_dir/<run_id>.json``; warn and return None if that fails."""
    path = Path(run_dir) / f"{record.run_id}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_text(path, json.dumps(record.to_dict(), indent=2) + "\n")
    except OSError as error:
        warnings.warn(
            f"run record {record.run_id} was not written to {run_dir}: {error}. "
            "The run itself succeeded; set run_dir to a writable folder to keep records",
            RunLogWarning,
            stacklevel=3,
        )
        return None
    _refresh_index(Path(run_dir))
    return path


def log_run(
    kind: str, *, started: datetime, run_dir: Path | str, model_name: str, **fields: Any
) -> Path | None:
    """Record a run that started at ``started`` and ends now; the hook for other runners.

    ``fields`` are any other :class:`RunRecord` attributes (``estimator``,
    ``params``, ``metrics``, ``data``, ...). Like every record, it never raises
    for an unwritable folder: it warns and returns None.

    >>> from modelyard.runlog import log_run, read_run, utc_now
    >>> path = log_run("search", started=utc_now(), run_dir="runs", model_name="churn",
    ...                estimator="GridSearchCV", metrics={"roc_auc": 0.91})
    >>> read_run(path).kind
    'search'
    """
    record = RunRecord.finished(
        kind=kind, started=started, model_name=model_name, **{"estimator": "", **fields}
    )
    return write_run(record, Path(run_dir))


def read_run(path: Path) -> RunRecord:
    """Read a record written by :func:`write_run`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    known = {f.name for f in fields(RunRecord)}
    return RunRecord(**{key: value for key, value in data.items() if key in known})


def list_runs(run_dir: Path | str) -> list[RunRecord]:
    """Every readable record in ``run_dir``, oldest first (unreadable files are skipped)."""
    records = []
    for path in sorted(Path(run_dir).glob("*.json")):
        try:
            records.append(read_run(path))
        except (OSError, ValueError, TypeError):
            continue
    return sorted(records, key=lambda record: (record.started, record.run_id))


def find_run(run_dir: Path | str, run_id: str) -> RunRecord:
    """The record whose id is ``run_id``, or starts with it when that is unambiguous.

    Raises:
        ModelyardError: no record, or several, match.
    """
    matches = [r for r in list_runs(run_dir) if r.run_id == run_id]
    matches = matches or [r for r in list_runs(run_dir) if r.run_id.startswith(run_id)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ModelyardError(
            f"no run '{run_id}' in {run_dir}; `modelyard runs list` shows the run ids"
        )
    raise ModelyardError(
        f"'{run_id}' matches {len(matches)} runs in {run_dir}: "
        f"{', '.join(r.run_id for r in matches[:5])}; give more of the id"
    )


def attach_artifact(path: Path | None, artifact: str) -> None:
    """Note in an existing record where the model it trained was saved."""
    if path is None:
        return
    try:
        record = replace(read_run(path), artifact=artifact)
        _write_text(path, json.dumps(record.to_dict(), indent=2) + "\n")
    except (OSError, ValueError, TypeError) as error:
        warnings.warn(f"run record {path} was not updated: {error}", RunLogWarning, stacklevel=3)
        return
    _refresh_index(path.parent)


def render_index(records: list[RunRecord]) -> str:
    """The Markdown table of ``index.md``: one row per run, newest first."""
    lines = [
        "# Runs",
        "",
        "Written by modelyard after every run; the JSON files beside it are the records.",
        "",
        "| run | kind | model | started (UTC) | seconds | metrics | artifact |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for record in reversed(records):
        metrics = ", ".join(f"{name} {value:.4g}" for name, value in record.metrics.items())
        cells = [
            record.run_id,
            record.kind,
            record.model_name,
            record.started[:19].replace("T", " "),
            f"{record.duration_s:.2f}",
            metrics or "-",
            record.artifact or "-",
        ]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _refresh_index(run_dir: Path) -> None:
    try:
        _write_text(run_dir / INDEX_FILE, render_index(list_runs(run_dir)))
    except OSError as error:
        warnings.warn(
            f"the run index {run_dir / INDEX_FILE} was not updated: {error}",
            RunLogWarning,
            stacklevel=4,
        )


def _write_text(path: Path, text: str) -> None:
    """Write through a temporary file and a rename, so a reader never sees half a file."""
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
