"""The run log: one JSON record per train or score run, written without being asked.

Logging never fails the run it records: a run folder that cannot be written
gives a :class:`~modelyard.exceptions.RunLogWarning`, and the model is kept.
"""

from __future__ import annotations

import json
import uuid
import warnings
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from modelyard.exceptions import RunLogWarning


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC, as stored in records."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class RunRecord:
    """What one run did, in a form that serialises to JSON as is.

    Attributes:
        run_id: sortable unique id: start time, kind and a random suffix.
        kind: ``"train"`` or ``"score"``.
        model_name: name of the model that ran.
        estimator: class name of its estimator.
        started: ISO-8601 start time (UTC).
        ended: ISO-8601 end time (UTC).
        duration_s: wall time in seconds.
        params: the estimator's parameters, as text where they are not plain values.
        metrics: metrics the run measured (empty for training).
        data: what the run was given (rows, columns).
        artifact: where the model trained by this run was saved, once it is.
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
        path.write_text(json.dumps(record.to_dict(), indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        warnings.warn(
            f"run record {record.run_id} was not written to {run_dir}: {error}. "
            "The run itself succeeded; set run_dir to a writable folder to keep records",
            RunLogWarning,
            stacklevel=3,
        )
        return None
    return path


def read_run(path: Path) -> RunRecord:
    """Read a record written by :func:`write_run`."""
    return RunRecord(**json.loads(Path(path).read_text(encoding="utf-8")))


def attach_artifact(path: Path | None, artifact: str) -> None:
    """Note in an existing record where the model it trained was saved."""
    if path is None:
        return
    try:
        record = replace(read_run(path), artifact=artifact)
        path.write_text(json.dumps(record.to_dict(), indent=2) + "\n", encoding="utf-8")
    except (OSError, ValueError, TypeError) as error:
        warnings.warn(f"run record {path} was not updated: {error}", RunLogWarning, stacklevel=3)
