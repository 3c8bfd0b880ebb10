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
import tempfile
import uuid
import warnings
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from modelyard import atomicio
from modelyard.exceptions import ModelyardError, RunLogError, RunLogWarning
from modelyard.safeio import read_regular_file

INDEX_FILE = "index.md"
MAX_RECORD_BYTES = 16 * 1024 * 1024
"""The largest run record read; a bigger file is not a record modelyard wrote."""


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
    """Write ``record`` to ``run_dir/<run_id>.json`` and rebuild the index.

    Never raises into the run it records: if the record cannot be written it
    warns (:class:`~modelyard.exceptions.RunLogWarning`) and returns None, so a
    caller can tell whether it was recorded.
    """
    path = Path(run_dir) / f"{record.run_id}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_text(path, json.dumps(record.to_dict(), indent=2) + "\n")
    except (OSError, TypeError, ValueError) as error:
        warnings.warn(
            f"run record {record.run_id} was not written to {run_dir}: {error}. "
            "The run itself succeeded; set run_dir to a writable folder to keep records",
            RunLogWarning,
            stacklevel=3,
        )
        return None
    _refresh_index(Path(run_dir))
    return path


def check_writable(run_dir: Path | str) -> None:
    """Prove records can be written to ``run_dir`` with a probe file; before long work.

    Raises:
        RunLogError: the folder cannot be created or written.
    """
    folder = Path(run_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError as error:
        raise RunLogError(
            f"the run folder {folder} cannot be written ({error.strerror or error}); "
            "set run_dir (or MODELYARD_RUN_DIR) to a folder you can write"
        ) from None


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
    """Read a record written by :func:`write_run`, checking every field's type.

    Raises:
        RunLogError: the file cannot be read, is not UTF-8 JSON, is not an
            object, or a field is missing or has the wrong type.
    """
    try:
        data = json.loads(read_regular_file(path, MAX_RECORD_BYTES).decode("utf-8"))
    except (OSError, ValueError) as error:
        raise RunLogError(f"the run record {path} cannot be read: {error}") from None
    if not isinstance(data, dict):
        raise RunLogError(f"the run record {path} is not a JSON object")
    known = {key: value for key, value in data.items() if key in _FIELD_CHECKS}
    for name, (check, expected) in _FIELD_CHECKS.items():
        if name not in known:
            if name in _REQUIRED:
                raise RunLogError(f"the run record {path} has no '{name}'")
        elif not check(known[name]):
            raise RunLogError(
                f"the run record {path} has {name} = {_short(known[name])}; expected {expected}"
            )
    return RunRecord(**known)


def list_runs(run_dir: Path | str) -> list[RunRecord]:
    """Every readable record in ``run_dir``, oldest first.

    A file that is not a valid record is skipped with a
    :class:`~modelyard.exceptions.RunLogWarning` naming it, so one bad file
    never hides the others or stops a run.
    """
    records = []
    for path in sorted(Path(run_dir).glob("*.json")):
        try:
            records.append(read_run(path))
        except RunLogError as error:
            warnings.warn(f"{error}; it is skipped", RunLogWarning, stacklevel=2)
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
    except (OSError, ValueError, TypeError, RunLogError) as error:
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
    except (OSError, ValueError, TypeError) as error:
        warnings.warn(
            f"the run index {run_dir / INDEX_FILE} was not updated: {error}",
            RunLogWarning,
            stacklevel=4,
        )


def _write_text(path: Path, text: str) -> None:
    """Write through a temporary file and a rename, so a reader never sees half a file."""
    atomicio.write_text(path, text)


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_mapping(value: Any) -> bool:
    return isinstance(value, dict)


def _is_numbers(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(key, str) and _is_number(number) for key, number in value.items()
    )


def _is_optional_text(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _is_optional_mapping(value: Any) -> bool:
    return value is None or isinstance(value, dict)


def _is_time(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


_FIELD_CHECKS = {
    "run_id": (lambda value: isinstance(value, str) and bool(value), "a non-empty string"),
    "kind": (_is_text, "a string"),
    "model_name": (_is_text, "a string"),
    "estimator": (_is_text, "a string"),
    "started": (_is_time, "an ISO-8601 time"),
    "ended": (_is_time, "an ISO-8601 time"),
    "duration_s": (_is_number, "a number of seconds"),
    "params": (_is_mapping, "an object"),
    "metrics": (_is_numbers, "an object of numbers"),
    "data": (_is_mapping, "an object"),
    "artifact": (_is_optional_text, "a string or null"),
    "metrics_std": (_is_numbers, "an object of numbers"),
    "options": (_is_mapping, "an object"),
    "git": (_is_optional_mapping, "an object or null"),
}
_REQUIRED = {
    f.name for f in fields(RunRecord) if f.default is MISSING and f.default_factory is MISSING
}


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
