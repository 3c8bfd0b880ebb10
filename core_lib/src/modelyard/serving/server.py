"""Running the app under uvicorn: workers, JSON logs, shared metrics, graceful shutdown."""

from __future__ import annotations

import inspect
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from modelyard import env
from modelyard.collector import freeze_survivors
from modelyard.exceptions import ArtifactError, ConfigError, ModelyardError
from modelyard.loading import load_model
from modelyard.serving.app import MODEL_ENV, TRUST_ENV, preload
from modelyard.serving.limits import max_in_flight
from modelyard.serving.monitoring import check_settings
from modelyard.serving.observability import MULTIPROCESS_ENV
from modelyard.store import locate

#: Seconds a SIGTERM waits for requests in flight before the worker stops anyway.
GRACEFUL_SHUTDOWN_SECONDS = 30
#: Seconds a new worker may take to start (imports, model load) before uvicorn restarts it.
WORKER_START_SECONDS = 60


def serve(
    model: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    trusted: Iterable[str] = (),
) -> None:
    """Serve a saved model over HTTP until interrupted.

    The model is loaded here, once, before uvicorn starts: a wrong path or a
    model that cannot load (an untrusted type, a changed file, a crafted tree)
    is one :class:`~modelyard.exceptions.ArtifactError` naming the cause, and
    no server that looks healthy is left behind. The loaded model is the one a
    single worker serves; with several workers each loads it again, trusting
    ``trusted`` (passed to them in ``MODELYARD_TRUST``). With several
    workers, Prometheus metrics are kept in a shared folder (a fresh temporary
    one unless ``PROMETHEUS_MULTIPROC_DIR`` names one) so ``/metrics`` counts
    every worker's requests. On SIGTERM, requests in flight are finished first
    (for up to 30 s). Connections that do not send their request in time, or stay
    idle longer than ``MODELYARD_KEEP_ALIVE`` seconds between requests, are
    closed (:mod:`modelyard.serving.protocol`).
    """
    import uvicorn

    from modelyard.serving.protocol import DeadlineProtocol, deadlines, keep_alive

    check_listen(port, workers)
    deadlines(), max_in_flight()  # a bad setting is one error here, not one per worker
    idle_seconds = keep_alive()
    location = locate(model)
    try:
        loaded = load_model(location, trusted=trusted)
    except ModelyardError as error:
        raise ArtifactError(f"model {model} failed to load: {error}") from None
    check_settings(
        loaded.schema.names if loaded.schema else []
    )  # monitoring and prediction log: one error, here
    preload(location, loaded)
    env.write(MODEL_ENV, str(location))
    env.write(TRUST_ENV, ",".join(trusted))
    if workers > 1 and not os.environ.get(MULTIPROCESS_ENV):
        os.environ[MULTIPROCESS_ENV] = tempfile.mkdtemp(prefix="modelyard-metrics-")
    options: dict[str, Any] = {}
    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
        # With several workers uvicorn restarts one that does not answer its supervisor within
        # 5 s; importing scikit-learn and loading a model on a busy machine can take longer.
        options["timeout_worker_healthcheck"] = WORKER_START_SECONDS
    # The libraries and the model live as long as the server: collections while it answers
    # need not walk them again.
    freeze_survivors()
    uvicorn.run(
        "modelyard.serving.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # modelyard writes its own, as JSON
        log_config=log_config(),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        timeout_keep_alive=idle_seconds,
        http=DeadlineProtocol,
        **options,
    )


def check_listen(port: int, workers: int) -> None:
    """Refuse a port outside 1..65535 or fewer than one worker, with a one-line error."""
    if not 1 <= port <= 65535:
        raise ConfigError(f"port must be from 1 to 65535, not {port}; use --port or MODELYARD_PORT")
    if workers < 1:
        raise ConfigError(
            f"workers must be at least 1, not {workers}; use --workers or MODELYARD_WORKERS"
        )


def log_config() -> dict[str, Any]:
    """Uvicorn's logging set-up plus modelyard's JSON lines (access log and errors) on stdout."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {
        **LOGGING_CONFIG,
        "formatters": {
            **LOGGING_CONFIG["formatters"],
            "json": {"()": "modelyard.serving.observability.JsonFormatter"},
        },
        "handlers": {
            **LOGGING_CONFIG["handlers"],
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            **LOGGING_CONFIG["loggers"],
            "modelyard.access": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "modelyard.serving": {"handlers": ["json"], "level": "INFO", "propagate": False},
        },
    }
    return config
