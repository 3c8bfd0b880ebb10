"""Every environment variable modelyard reads, with its meaning, and typed readers.

One table (:data:`VARIABLES`) names them all. Configuration keys are read as
``MODELYARD_<KEY>`` (:func:`setting_variable`; see :mod:`modelyard.config`),
and the server's own variables are listed here too, so a reader of a
deployment finds every knob in one place. Read them through :func:`read`,
:func:`read_int` and :func:`read_list`, never through ``os.environ`` directly;
:func:`read_list` is the one parser of comma-separated lists, such as
``MODELYARD_TRUST``, for the configuration and the server alike.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from modelyard.exceptions import ConfigError

#: Every modelyard variable starts with this.
PREFIX = "MODELYARD_"


@dataclass(frozen=True)
class Variable:
    """One environment variable: its name and what it does."""

    name: str
    meaning: str


def _table(*rows: tuple[str, str]) -> dict[str, Variable]:
    return {PREFIX + key: Variable(PREFIX + key, meaning) for key, meaning in rows}


#: Every variable modelyard reads, by name.
VARIABLES: dict[str, Variable] = _table(
    # [tool.modelyard] keys: each overrides the key of the same name.
    ("NAME", "name the model is saved under"),
    ("MODEL", "module:attribute of the project's model factory"),
    ("DATASET", "module:attribute of the project's Dataset class"),
    ("MODEL_DIR", "folder of the model store"),
    ("STORE", "the model store as a folder or fsspec URL"),
    ("RUN_DIR", "folder of the run log"),
    ("TEST_SIZE", "share of rows held out by score"),
    ("RANDOM_STATE", "seed of every split"),
    ("CV", "folds of cross-validation in score (0: holdout)"),
    ("N_JOBS", "local processes for parallel fits"),
    ("METRICS", "metric names, comma-separated"),
    ("SCHEDULER", "Dask scheduler address for searches and selection"),
    ("COMPARE", "model factories modelyard compare scores, comma-separated"),
    ("SEARCH", "the search table (rarely set from the environment)"),
    ("NULLABLE", "features that may be missing, comma-separated"),
    ("UNSEEN_CATEGORY", "accept or reject categories not seen in training"),
    ("OUT_OF_RANGE", "accept or reject numbers outside the training range"),
    ("TRUST", "profiles or type names trusted in model files, comma-separated"),
    ("DATA", "full, or sample to read the committed sample"),
    ("SAMPLE", "path of the committed sample CSV"),
    ("REPORT", "the report score writes: fast, full or none"),
    # modelyard serve and the server it starts.
    ("SERVE_MODEL", "the model a server loads (set by modelyard serve for its workers)"),
    ("HOST", "address modelyard serve listens on"),
    ("PORT", "port modelyard serve listens on"),
    ("WORKERS", "worker processes of modelyard serve"),
    ("MAX_ROWS", "most rows per prediction request"),
    ("MAX_BODY_BYTES", "largest request body in bytes"),
    ("MAX_IN_FLIGHT", "requests handled at once before 503"),
    ("HEADER_TIMEOUT", "seconds for a request's line and headers to arrive"),
    ("BODY_TIMEOUT", "seconds for a request's body to arrive"),
    ("KEEP_ALIVE", "seconds a kept-alive connection may stay idle between requests"),
    ("COMPILED", "auto (predict with the ONNX graph when its parity passed) or off"),
    # drift tracking and the prediction log (modelyard.serving.monitoring, .predictionlog);
    # modelyard serve sets them from [tool.modelyard.monitoring], which is not itself
    # read from the environment.
    ("MONITORING", "off turns the server's drift tracking off"),
    ("MONITORING_WINDOW_ROWS", "rows in the server's drift window"),
    ("MONITORING_WINDOW_SECONDS", "age in seconds of the oldest rows in the drift window"),
    ("MONITORING_PSI_WARN", "population stability index from which a feature is warned"),
    ("MONITORING_PSI_DRIFT", "population stability index from which a feature drifts"),
    ("MONITORING_P_VALUE", "p-value under which the drift test is significant"),
    ("MONITORING_MIN_ROWS", "rows in the window before any verdict"),
    ("MONITORING_MISSING_INCREASE", "rise of the missing rate that counts as drift"),
    ("PREDICTION_LOG", "file of the sampled prediction log (off when unset)"),
    ("PREDICTION_LOG_SAMPLE", "share of requests written to the prediction log"),
    ("PREDICTION_LOG_MAX_BYTES", "size at which the prediction log rotates"),
    ("PREDICTION_LOG_BACKUPS", "rotated prediction log files kept"),
    ("PREDICTION_LOG_REDACT", "features never written to the prediction log, comma-separated"),
)


def setting_variable(key: str) -> str:
    """The variable that overrides key ``key``: ``run_dir`` -> ``MODELYARD_RUN_DIR``."""
    return _known(PREFIX + key.upper())


def read(name: str, default: str | None = None) -> str | None:
    """The text of variable ``name`` (one of :data:`VARIABLES`), or ``default`` when unset."""
    return os.environ.get(_known(name), default)


def read_int(name: str, default: int) -> int:
    """Variable ``name`` as a positive whole number, ``default`` when unset.

    Raises:
        ConfigError: the variable is set to anything but a positive whole number.
    """
    text = read(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{name} must be a positive whole number, not {text!r}")
    return value


def read_list(name: str) -> tuple[str, ...]:
    """Variable ``name`` as a comma-separated list (empty when unset); see :func:`split_list`."""
    return split_list(read(name) or "")


def split_list(text: str) -> tuple[str, ...]:
    """``"a, b,,c"`` -> ``("a", "b", "c")``: the one parser of comma-separated lists."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def write(name: str, value: str) -> None:
    """Set variable ``name`` for this process and the ones it starts (server workers)."""
    os.environ[_known(name)] = value


def _known(name: str) -> str:
    if name not in VARIABLES:
        raise KeyError(f"{name} is not a modelyard environment variable; add it to VARIABLES")
    return name
