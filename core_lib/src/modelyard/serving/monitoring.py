"""The server watches its own inputs: a rolling window of bin counts, drift gauges, ``/monitoring``.

When the model card carries a reference profile (:class:`modelyard.drift.ReferenceProfile`),
every answered request adds its rows to a :class:`RollingWindow`: per feature, the
count of values in each reference bin (a binary search into the bin edges or a
dictionary look-up; the rows themselves are not kept), the missing values, the
values that broke the data contract, and the counts of the predictions. The
window holds the last ``MODELYARD_MONITORING_WINDOW_ROWS`` rows (10,000) seen within
``MODELYARD_MONITORING_WINDOW_SECONDS`` (an hour), kept as a ring of buckets so old
rows leave it without being stored one by one.

Scores are computed only when asked for, by ``GET /monitoring`` or a Prometheus
scrape of ``/metrics`` (:func:`modelyard.drift.compare_profile`: the population
stability index, a chi-square test and a verdict per feature), never per request.
``MODELYARD_MONITORING=off`` turns tracking off. The thresholds come from
``MODELYARD_MONITORING_PSI_WARN``, ``_PSI_DRIFT``, ``_P_VALUE``, ``_MIN_ROWS`` and
``_MISSING_INCREASE`` (``modelyard serve`` sets them from ``[tool.modelyard.monitoring]``).

With several workers each watches the requests it answers: ``/monitoring`` gives
the window of the worker that answers it, and the drift gauges are left out of
the shared ``/metrics``.

:class:`Watch` is the one object the app talks to: built once at start-up, told of
every answered request (:meth:`Watch.record`), closed when the server stops.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, Response
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from modelyard.drift import (
    DriftReport,
    DriftThresholds,
    FeatureSketch,
    ReferenceProfile,
    compare_profile,
)
from modelyard.exceptions import ConfigError, ModelyardError
from modelyard.serving.predictionlog import (
    BACKUPS_ENV,
    MAX_BYTES_ENV,
    PATH_ENV,
    REDACT_ENV,
    SAMPLE_ENV,
    PredictionLog,
    PredictionLogSettings,
)

MONITORING_ENV = "MODELYARD_MONITORING"
WINDOW_ROWS_ENV = "MODELYARD_MONITORING_WINDOW_ROWS"
WINDOW_SECONDS_ENV = "MODELYARD_MONITORING_WINDOW_SECONDS"
#: ``DriftThresholds`` field -> the environment variable that sets it.
THRESHOLD_ENVS = {
    field.name: f"{MONITORING_ENV}_{field.name.upper()}"
    for field in dataclasses.fields(DriftThresholds)
}
DEFAULT_WINDOW_ROWS = 10_000
DEFAULT_WINDOW_SECONDS = 3600.0
#: The window is a ring of this many buckets (each closes after 1/20 of the rows or time).
BUCKETS = 20
#: Verdicts as gauge values.
VERDICT_VALUES = {"too_few_rows": -1, "ok": 0, "warn": 1, "drift": 2}
#: Rows queued before they are binned together (fewer for a window of fewer rows).
FLUSH_ROWS = 256
_JSON = "application/json"


class _Binner:
    """Where one feature's bins sit in the window's flat count vector."""

    def __init__(self, sketch: FeatureSketch, offset: int):
        self.sketch = sketch
        self.offset = offset
        self.size = sketch.n_bins + 1


class _Bucket:
    __slots__ = ("contract", "counts", "last", "rows", "started")

    def __init__(self, size: int, now: float):
        self.counts = np.zeros(size, np.int64)
        self.contract: Counter[tuple[str, str]] = Counter()
        self.rows = 0
        self.started = self.last = now


class RollingWindow:
    """Bin counts of the most recent rows, bounded by count and by age.

    Args:
        profile: the reference sketches (bins) of the features and the predictions.
        features: the model's feature names, in the order of each row.
        max_rows: most rows the window holds.
        max_seconds: oldest rows, in seconds, the window holds.
        clock: the time source (seconds, monotonic).
    """

    def __init__(
        self,
        profile: ReferenceProfile,
        features: Sequence[str],
        *,
        max_rows: int = DEFAULT_WINDOW_ROWS,
        max_seconds: float = DEFAULT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        if max_rows < 1 or max_seconds <= 0:
            raise ConfigError(
                f"the monitoring window must hold at least one row for some time, not "
                f"{max_rows} rows for {max_seconds} s ({WINDOW_ROWS_ENV}, {WINDOW_SECONDS_ENV})"
            )
        self.profile = profile
        self.max_rows, self.max_seconds, self._clock = max_rows, max_seconds, clock
        self._bucket_rows = max(1, max_rows // BUCKETS)
        self._bucket_seconds = max_seconds / BUCKETS
        offset = 0
        # (column of the feature in a row, its binner), for the features the profile knows.
        self._columns: list[tuple[int, _Binner]] = []
        position = {name: i for i, name in enumerate(features)}
        self._binners: dict[str, _Binner] = {}
        for name, sketch in profile.features.items():
            if name in position:
                binner = _Binner(sketch, offset)
                self._columns.append((position[name], binner))
                self._binners[name] = binner
                offset += binner.size
        self._prediction = _Binner(profile.prediction, offset) if profile.prediction else None
        self._size = offset + (self._prediction.size if self._prediction else 0)
        self._buckets: deque[_Bucket] = deque()
        self._total = np.zeros(self._size, np.int64)
        self._rows = 0
        # Rows taken but not yet binned: (time, rows, predictions, contract counts).
        self._pending: list[tuple[float, list[list[Any]], Sequence[Any] | None, Any]] = []
        self._pending_rows = 0
        self._flush_rows = min(FLUSH_ROWS, self._bucket_rows)
        self._lock = threading.Lock()

    def add(
        self,
        rows: list[list[Any]],
        predictions: Sequence[Any] | None = None,
        contract: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        """Take one request's rows (in training column order), predictions and contract counts.

        The request only queues references to them: they are binned in batches of
        up to :data:`FLUSH_ROWS` rows with NumPy (a fraction of a microsecond per
        value, against about one when binned one request at a time), and before
        every read of the window, so what is read always holds every row.
        """
        if len(rows) > self.max_rows:  # only the newest rows fit
            rows = rows[-self.max_rows :]
            predictions = predictions[-self.max_rows :] if predictions is not None else None
        with self._lock:
            self._pending.append((self._clock(), rows, predictions, contract))
            self._pending_rows += len(rows)
            if self._pending_rows >= self._flush_rows:
                self._flush()

    def _flush(self) -> None:
        """Bin the queued rows into the window (called with the lock held).

        Queued requests further apart than a bucket's span, or more rows than a
        bucket holds, are binned apart, so each bucket still leaves the window on time.
        """
        pending, self._pending, self._pending_rows = self._pending, [], 0
        group: list[tuple[float, list[list[Any]], Sequence[Any] | None, Any]] = []
        grouped = 0
        for item in pending:
            if group and (
                item[0] - group[0][0] >= self._bucket_seconds or grouped >= self._bucket_rows
            ):
                self._bin(group)
                group, grouped = [], 0
            group.append(item)
            grouped += len(item[1])
        if group:
            self._bin(group)

    def _bin(self, group: list[tuple[float, list[list[Any]], Sequence[Any] | None, Any]]) -> None:
        rows = [row for _, batch, _, _ in group for row in batch]
        predictions = None
        if self._prediction is not None and all(p is not None for _, _, p, _ in group):
            predictions = [value for _, _, batch, _ in group for value in batch]
        counts = self._count(rows, predictions)
        first, last = group[0][0], group[-1][0]
        self._expire(last)
        bucket = self._buckets[-1] if self._buckets else None
        if (
            bucket is None
            or bucket.rows >= self._bucket_rows
            or first - bucket.started >= self._bucket_seconds
        ):
            bucket = _Bucket(self._size, first)
            self._buckets.append(bucket)
        bucket.counts += counts
        bucket.rows += len(rows)
        bucket.last = last
        for _, _, _, contract in group:
            if contract:
                bucket.contract.update(contract)
        self._total += counts
        self._rows += len(rows)
        while self._rows > self.max_rows and len(self._buckets) > 1:
            self._drop()

    @property
    def rows(self) -> int:
        """Rows in the window now."""
        with self._lock:
            self._flush()
            self._expire(self._clock())
            return self._rows

    def snapshot(self) -> tuple[int, dict[str, np.ndarray], np.ndarray | None, Counter]:
        """The rows, per-feature counts, prediction counts and contract counts of the window."""
        with self._lock:
            self._flush()
            self._expire(self._clock())
            total = self._total.copy()
            contract: Counter[tuple[str, str]] = Counter()
            for bucket in self._buckets:
                contract.update(bucket.contract)
            rows = self._rows
        counts = {name: total[b.offset : b.offset + b.size] for name, b in self._binners.items()}
        prediction = None
        if self._prediction is not None:
            p = self._prediction
            prediction = total[p.offset : p.offset + p.size]
        return rows, counts, prediction, contract

    def report(self, thresholds: DriftThresholds) -> tuple[int, DriftReport, Counter]:
        """The window's rows, its comparison with the profile, and its contract counts."""
        rows, counts, prediction, contract = self.snapshot()
        return rows, compare_profile(self.profile, counts, prediction, thresholds), contract

    def _count(self, rows: list[list[Any]], predictions: Sequence[Any] | None) -> np.ndarray:
        counts = np.zeros(self._size, np.int64)
        for column, binner in self._columns:
            end = binner.offset + binner.size
            values: Any = [row[column] for row in rows]
            if binner.sketch.kind == "number":  # the contract let only numbers and None through
                # None becomes NaN (missing); anything else goes the general path.
                with contextlib.suppress(TypeError, ValueError, OverflowError):
                    values = np.array(values, dtype=np.float64)
            counts[binner.offset : end] = binner.sketch.counts(values)
        if predictions is not None and self._prediction is not None:
            p = self._prediction
            counts[p.offset : p.offset + p.size] = p.sketch.counts(list(predictions))
        return counts

    def _expire(self, now: float) -> None:
        while self._buckets and now - self._buckets[0].last > self.max_seconds:
            self._drop()

    def _drop(self) -> None:
        bucket = self._buckets.popleft()
        self._total -= bucket.counts
        self._rows -= bucket.rows


@dataclasses.dataclass(frozen=True)
class MonitoringSettings:
    """Whether and how the server tracks drift (from the ``MODELYARD_MONITORING*`` variables).

    Attributes:
        enabled: False when ``MODELYARD_MONITORING=off``.
        window_rows: most rows in the window.
        window_seconds: oldest rows in the window, in seconds.
        thresholds: when a feature is called drifted.
    """

    enabled: bool = True
    window_rows: int = DEFAULT_WINDOW_ROWS
    window_seconds: float = DEFAULT_WINDOW_SECONDS
    thresholds: DriftThresholds = dataclasses.field(default_factory=DriftThresholds)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MonitoringSettings:
        """Read the settings; a bad value is one :class:`~modelyard.exceptions.ConfigError`."""
        env = os.environ if environ is None else environ
        switch = env.get(MONITORING_ENV, "on").strip().lower()
        if switch not in ("on", "off", "true", "false", "1", "0", ""):
            raise ConfigError(f"{MONITORING_ENV} must be on or off, not {switch!r}")
        values: dict[str, Any] = {}
        for field in dataclasses.fields(DriftThresholds):
            text = env.get(THRESHOLD_ENVS[field.name], "").strip()
            if text:
                values[field.name] = _parse(THRESHOLD_ENVS[field.name], text, field.type)
        try:
            thresholds = DriftThresholds(**values)
        except ModelyardError as error:
            raise ConfigError(f"monitoring thresholds: {error}") from None
        rows_text = env.get(WINDOW_ROWS_ENV, "").strip()
        seconds_text = env.get(WINDOW_SECONDS_ENV, "").strip()
        return cls(
            enabled=switch not in ("off", "false", "0"),
            window_rows=_parse(WINDOW_ROWS_ENV, rows_text, "int")
            if rows_text
            else DEFAULT_WINDOW_ROWS,
            window_seconds=_parse(WINDOW_SECONDS_ENV, seconds_text, "float")
            if seconds_text
            else DEFAULT_WINDOW_SECONDS,
            thresholds=thresholds,
        )


def _parse(name: str, text: str, kind: Any) -> Any:
    convert = int if "int" in str(kind) else float
    try:
        return convert(text)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {text!r}") from None


class DriftCollector(Collector):
    """Drift gauges computed from the window at each Prometheus scrape (not per request).

    Labels are feature names from the model card only, so a request cannot add series.
    """

    def __init__(self, window: RollingWindow, thresholds: DriftThresholds):
        self.window, self.thresholds = window, thresholds

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The gauges of the window as it is now."""
        rows, report, _ = self.window.report(self.thresholds)
        yield GaugeMetricFamily(
            "modelyard_drift_window_rows", "Rows in the drift-monitoring window.", value=rows
        )
        psi = GaugeMetricFamily(
            "modelyard_drift_psi",
            "Population stability index of the window against training, by feature.",
            labels=["feature"],
        )
        p_value = GaugeMetricFamily(
            "modelyard_drift_p_value",
            "Chi-square test p-value of the window against training, by feature.",
            labels=["feature"],
        )
        missing = GaugeMetricFamily(
            "modelyard_drift_missing_rate",
            "Missing rate in the window, by feature.",
            labels=["feature"],
        )
        verdict = GaugeMetricFamily(
            "modelyard_drift_verdict",
            "Drift verdict by feature: -1 too few rows, 0 ok, 1 warn, 2 drift.",
            labels=["feature"],
        )
        for item in report.features:
            if item.psi is not None:
                psi.add_metric([item.name], item.psi)
            if item.p_value is not None:
                p_value.add_metric([item.name], item.p_value)
            missing.add_metric([item.name], item.missing_current)
            verdict.add_metric([item.name], VERDICT_VALUES[item.verdict])
        yield from (psi, p_value, missing, verdict)
        if report.prediction is not None:
            yield GaugeMetricFamily(
                "modelyard_prediction_drift_psi",
                "Population stability index of the window's predictions against training.",
                value=report.prediction.psi if report.prediction.psi is not None else float("nan"),
            )
            yield GaugeMetricFamily(
                "modelyard_prediction_drift_verdict",
                "Drift verdict of the predictions: -1 too few rows, 0 ok, 1 warn, 2 drift.",
                value=VERDICT_VALUES[report.prediction.verdict],
            )
        yield GaugeMetricFamily(
            "modelyard_drift_overall_verdict",
            "The worst verdict of every feature and the predictions.",
            value=VERDICT_VALUES[report.verdict],
        )


class Watch:
    """The server's watchers of answered requests: the drift window and the prediction log.

    Args:
        window: the rolling window, or None when tracking is off or impossible.
        thresholds: the verdicts' thresholds.
        log: the prediction log, or None when it is off.
        disabled: why there is no window, said by ``/monitoring``.
    """

    def __init__(
        self,
        window: RollingWindow | None = None,
        thresholds: DriftThresholds | None = None,
        log: PredictionLog | None = None,
        disabled: str | None = None,
    ):
        self.window = window
        self.thresholds = thresholds or DriftThresholds()
        self.log = log
        self.disabled = disabled

    @classmethod
    def from_env(
        cls,
        features: Sequence[str],
        model: tuple[str, int | None],
        profile: tuple[ReferenceProfile | None, str | None],
        registry: CollectorRegistry,
        environ: Mapping[str, str] | None = None,
    ) -> Watch:
        """The watchers the ``MODELYARD_MONITORING*`` and ``MODELYARD_PREDICTION_LOG*`` ask for.

        Args:
            features: the model's feature names, in the order of each row.
            model: its name and version.
            profile: the reference profile, or None and why there is none (:func:`card_profile`).
            registry: the Prometheus registry that gets the gauges and counters.
            environ: the variables to read (``os.environ`` by default).
        """
        profile, no_profile = profile
        settings = MonitoringSettings.from_env(environ)
        log_settings = PredictionLogSettings.from_env(environ)
        log = None
        if log_settings is not None:
            log = PredictionLog(log_settings, features, model=model, registry=registry)
        window, disabled = None, None
        if not settings.enabled:
            disabled = f"drift tracking is turned off ({MONITORING_ENV}=off)"
        elif profile is None:
            disabled = no_profile or "the model has no reference profile"
        else:
            window = RollingWindow(
                profile,
                features,
                max_rows=settings.window_rows,
                max_seconds=settings.window_seconds,
            )
            registry.register(DriftCollector(window, settings.thresholds))
        return cls(window, settings.thresholds, log, disabled)

    def record(
        self,
        request_id: str,
        rows: list[list[Any]],
        answer: Mapping[str, Any],
        contract: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        """Take note of one answered request (cheap: no scores, nothing waits on the disk)."""
        if self.window is not None:
            self.window.add(rows, answer.get("predictions"), contract)
        if self.log is not None:
            self.log.record(request_id, rows, answer)

    def status(self) -> dict[str, Any]:
        """The ``GET /monitoring`` answer: the window and its verdicts, or why there are none."""
        if self.window is None:
            return {"enabled": False, "reason": self.disabled}
        rows, report, contract = self.window.report(self.thresholds)
        out_of_contract: dict[str, dict[str, int]] = {}
        for (feature, check), count in contract.items():
            out_of_contract.setdefault(feature, {})[check] = count
        features = []
        for item in report.features:
            entry = {
                "name": item.name,
                "kind": item.kind,
                "rows": item.rows,
                "psi": _finite(item.psi),
                "p_value": _finite(item.p_value),
                "missing_rate": item.missing_current,
                "missing_rate_reference": item.missing_reference,
                "out_of_contract": out_of_contract.get(item.name, {}),
                "verdict": item.verdict,
                "reasons": list(item.reasons),
            }
            features.append(entry)
        prediction = None
        if report.prediction is not None:
            p = report.prediction
            prediction = {
                "psi": _finite(p.psi),
                "p_value": _finite(p.p_value),
                "verdict": p.verdict,
                "reasons": list(p.reasons),
            }
        return {
            "enabled": True,
            "window": {
                "rows": rows,
                "max_rows": self.window.max_rows,
                "max_seconds": self.window.max_seconds,
            },
            "verdict": report.verdict,
            "drifted": report.drifted,
            "thresholds": dataclasses.asdict(self.thresholds),
            "features": features,
            "prediction": prediction,
        }

    def close(self) -> None:
        """Flush and close the prediction log."""
        if self.log is not None:
            self.log.close()


def _finite(value: float | None) -> float | None:
    """A score for JSON: None when there is none, 6 significant digits (a tiny p-value stays)."""
    if value is None or not np.isfinite(value):
        return None
    return float(f"{float(value):.6g}")


def card_profile(
    monitoring: ReferenceProfile | Mapping[str, Any] | None,
) -> tuple[ReferenceProfile | None, str | None]:
    """A model's reference profile (or its card's ``monitoring`` field), or why there is none."""
    if isinstance(monitoring, ReferenceProfile):
        return monitoring, None
    if not monitoring:
        return None, (
            "the model card has no reference profile (the model was saved by a modelyard "
            "without drift monitoring); train and save it again to watch drift"
        )
    try:
        return ReferenceProfile.from_dict(monitoring), None
    except ModelyardError as error:
        return None, str(error)


def add_monitoring(app: FastAPI, watch: Watch) -> None:
    """Add ``GET /monitoring``: the window's drift verdicts as JSON (scored when asked)."""

    @app.get("/monitoring", response_class=Response, responses={200: {"content": {_JSON: {}}}})
    def monitoring() -> Response:
        """Drift of the recent inputs and predictions from training, per feature, with verdicts."""
        return Response(json.dumps(watch.status()), media_type=_JSON)


#: ``[tool.modelyard.monitoring]`` keys the server reads, and the variables ``modelyard serve``
#: passes them in (the drift thresholds' keys are added below).
SETTING_ENVS = {
    "window_rows": WINDOW_ROWS_ENV,
    "window_seconds": WINDOW_SECONDS_ENV,
    "prediction_log": PATH_ENV,
    "prediction_log_sample": SAMPLE_ENV,
    "prediction_log_max_bytes": MAX_BYTES_ENV,
    "prediction_log_backups": BACKUPS_ENV,
    "redact": REDACT_ENV,
    **THRESHOLD_ENVS,
}


def export_settings(table: Mapping[str, Any], root: Path, environ: dict[str, str]) -> None:
    """Put ``[tool.modelyard.monitoring]`` into the variables the server reads.

    A variable already set wins over the file. A relative ``prediction_log`` is
    relative to the project folder ``root``.
    """
    for key, value in table.items():
        name = SETTING_ENVS.get(key)
        if name is None or name in environ:
            continue
        if key == "prediction_log":
            value = root / str(value)
        elif key == "redact":
            value = ",".join(value) if not isinstance(value, str) else value
        environ[name] = str(value)


def check_settings(features: Sequence[str], environ: Mapping[str, str] | None = None) -> None:
    """Raise the :class:`~modelyard.exceptions.ConfigError` a worker would raise, at start-up."""
    MonitoringSettings.from_env(environ)
    log = PredictionLogSettings.from_env(environ)
    unknown = sorted(set(log.redact) - set(features)) if log is not None else []
    if unknown:
        raise ConfigError(
            f"{REDACT_ENV}: cannot redact {', '.join(map(repr, unknown))}: not a feature of "
            f"this model; the features are {', '.join(features)}"
        )
