"""The optional prediction log: a sampled JSON-lines record of inputs, outputs and request ids.

It is off unless ``MODELYARD_PREDICTION_LOG`` names a file (``modelyard serve``
sets it from ``[tool.modelyard.monitoring] prediction_log``). Each logged
request is one line::

    {"time": "2026-12-06T17:00:00.123Z", "request_id": "...", "model": "churn",
     "version": 3, "inputs": [{"age": 41, "ssn": "[redacted]"}], "outputs": [1]}

so that rows can be labelled later and joined to the access log by request id.

The request path never waits on the disk: a request only decides whether it is
sampled and puts a reference to its rows on a bounded queue; one writer thread
redacts, encodes and writes. When the queue is full the record is dropped and
counted in ``modelyard_prediction_log_dropped_total``, rather than holding up
the request. Redacted features are replaced by :data:`REDACTED` before
encoding, so their values are never written. Files are rotated by size
(:class:`logging.handlers.RotatingFileHandler`): at most ``backups + 1`` files,
each about ``max_bytes`` long.
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.handlers
import os
import queue
import random
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter

from modelyard.exceptions import ConfigError

logger = logging.getLogger("modelyard.serving")

#: What a redacted value is replaced by in the log.
REDACTED = "[redacted]"
PATH_ENV = "MODELYARD_PREDICTION_LOG"
SAMPLE_ENV = "MODELYARD_PREDICTION_LOG_SAMPLE"
MAX_BYTES_ENV = "MODELYARD_PREDICTION_LOG_MAX_BYTES"
BACKUPS_ENV = "MODELYARD_PREDICTION_LOG_BACKUPS"
REDACT_ENV = "MODELYARD_PREDICTION_LOG_REDACT"
#: Records waiting for the writer before new ones are dropped.
QUEUE_SIZE = 1000
_STOP = object()
_LOGGER = "modelyard.predictions"


@dataclass(frozen=True)
class PredictionLogSettings:
    """Where and how much the prediction log writes.

    Attributes:
        path: the JSON-lines file; rotated files get ``.1``, ``.2``... appended.
        sample: share of requests logged, from 0 to 1 (1: every request).
        max_bytes: size at which the file is rotated (default 10 MiB).
        backups: rotated files kept besides the current one (at least 1; default 5).
        redact: features whose values are replaced by :data:`REDACTED`.
    """

    path: Path
    sample: float = 1.0
    max_bytes: int = 10 * 2**20
    backups: int = 5
    redact: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.sample <= 1:
            raise ConfigError(
                f"prediction_log_sample must be from 0 to 1, not {self.sample} ({SAMPLE_ENV})"
            )
        if self.max_bytes < 1024:
            raise ConfigError(
                f"prediction_log_max_bytes must be at least 1024, not {self.max_bytes} "
                f"({MAX_BYTES_ENV})"
            )
        if self.backups < 1:
            raise ConfigError(
                f"prediction_log_backups must be at least 1, not {self.backups} ({BACKUPS_ENV})"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PredictionLogSettings | None:
        """The settings given by ``MODELYARD_PREDICTION_LOG*``; None when no file is named."""
        env = os.environ if environ is None else environ
        path = env.get(PATH_ENV, "").strip()
        if not path:
            return None
        redact = tuple(n.strip() for n in env.get(REDACT_ENV, "").split(",") if n.strip())
        return cls(
            Path(path),
            sample=_number(env, SAMPLE_ENV, float, 1.0),
            max_bytes=_number(env, MAX_BYTES_ENV, int, cls.max_bytes),
            backups=_number(env, BACKUPS_ENV, int, cls.backups),
            redact=redact,
        )

    def to_env(self) -> dict[str, str]:
        """These settings as the environment variables :meth:`from_env` reads."""
        return {
            PATH_ENV: str(self.path),
            SAMPLE_ENV: str(self.sample),
            MAX_BYTES_ENV: str(self.max_bytes),
            BACKUPS_ENV: str(self.backups),
            REDACT_ENV: ",".join(self.redact),
        }


class PredictionLog:
    """Writes sampled predictions to a rotated JSON-lines file from one background thread.

    Args:
        settings: the file, sample rate, rotation and redacted features.
        features: the model's feature names, in the order of each row.
        model: the model's name and version, written into every record.
        registry: the Prometheus registry that gets the dropped-records counter.
        handler: where encoded lines go; a size-rotated file handler by default.
        queue_size: records waiting for the writer before new ones are dropped.
    """

    def __init__(
        self,
        settings: PredictionLogSettings,
        features: Sequence[str],
        *,
        model: tuple[str, int | None] = ("", None),
        registry: CollectorRegistry | None = None,
        handler: logging.Handler | None = None,
        queue_size: int = QUEUE_SIZE,
    ):
        unknown = sorted(set(settings.redact) - set(features))
        if unknown:
            raise ConfigError(
                f"prediction log: cannot redact {', '.join(map(repr, unknown))}: not a feature "
                f"of this model; the features are {', '.join(features)}"
            )
        self.settings = settings
        self.features = list(features)
        self._redacted = [i for i, name in enumerate(features) if name in settings.redact]
        self._model = model
        self._random = random.Random()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self.dropped = Counter(
            "modelyard_prediction_log_dropped",
            "Prediction-log records dropped because the writer was behind.",
            registry=registry,
        )
        self._handler = handler or _rotating_handler(settings)
        self._writer = threading.Thread(
            target=self._write_all, name="modelyard-prediction-log", daemon=True
        )
        self._writer.start()

    def record(self, request_id: str, rows: list[list[Any]], answer: Mapping[str, Any]) -> bool:
        """Queue one request for the log if it is sampled; never waits. True if queued."""
        if self.settings.sample < 1 and self._random.random() >= self.settings.sample:
            return False
        try:
            self._queue.put_nowait((time.time(), request_id, rows, answer))
        except queue.Full:
            self.dropped.inc()
            return False
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued (waiting at most ``timeout`` seconds), then close the file."""
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=timeout)
        self._writer.join(timeout)
        self._handler.close()

    def line(self, when: float, request_id: str, rows: list[list[Any]], answer: Mapping) -> str:
        """One record as its JSON line, with the redacted features' values replaced."""
        inputs = []
        for row in rows:
            values = list(row)
            for index in self._redacted:
                values[index] = REDACTED
            inputs.append(dict(zip(self.features, values, strict=True)))
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when))
        record: dict[str, Any] = {
            "time": f"{stamp}.{int(when % 1 * 1000):03d}Z",
            "request_id": request_id,
            "model": self._model[0],
            "version": self._model[1],
            "inputs": inputs,
            "outputs": answer.get("predictions"),
        }
        if "probabilities" in answer:
            record["probabilities"] = answer["probabilities"]
        return json.dumps(record, default=str)

    def _write_all(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                message = self.line(*item)
                self._handler.handle(
                    logging.LogRecord(
                        "modelyard.predictions", logging.INFO, "", 0, message, (), None
                    )
                )
            except Exception:  # a full disk must not stop the writer for good
                logger.exception("the prediction log could not write a record")


def _rotating_handler(settings: PredictionLogSettings) -> logging.Handler:
    path = settings.path
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # several workers: one file each
        path = path.with_name(f"{path.stem}.{os.getpid()}{path.suffix}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=settings.max_bytes, backupCount=settings.backups, encoding="utf-8"
        )
    except OSError as error:
        raise ConfigError(
            f"the prediction log cannot write to {path}: {error.strerror}; "
            f"set {PATH_ENV} to a writable file"
        ) from None
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler


def _number(env: Mapping[str, str], name: str, kind: type, default: Any) -> Any:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        return kind(text)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {text!r}") from None
