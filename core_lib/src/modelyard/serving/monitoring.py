"""What the server watches about answered requests: for now, the prediction log.

:class:`Watch` is the one object the app talks to: it is built once from the
environment, gets every answered request through :meth:`Watch.record`, and
is closed when the server stops.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from prometheus_client import CollectorRegistry

from modelyard.serving.predictionlog import PredictionLog, PredictionLogSettings


class Watch:
    """The server's watchers of answered requests: the prediction log (optional)."""

    def __init__(self, log: PredictionLog | None = None):
        self.log = log

    @classmethod
    def from_env(
        cls,
        features: Sequence[str],
        model: tuple[str, int | None],
        registry: CollectorRegistry,
        environ: Mapping[str, str] | None = None,
    ) -> Watch:
        """The watchers the ``MODELYARD_PREDICTION_LOG*`` variables ask for."""
        settings = PredictionLogSettings.from_env(environ)
        log = None
        if settings is not None:
            log = PredictionLog(settings, features, model=model, registry=registry)
        return cls(log)

    def record(self, request_id: str, rows: list[list[Any]], answer: Mapping[str, Any]) -> None:
        """Take note of one answered request (cheap: nothing here waits on the disk)."""
        if self.log is not None:
            self.log.record(request_id, rows, answer)

    def close(self) -> None:
        """Flush and close the prediction log."""
        if self.log is not None:
            self.log.close()
